import Foundation
import Glibc
import Testing

extension DovecotInteropTests {
    /// Flags a Sieve script set (imap4flags) as real Dovecot IMAP serves them: system flags from
    /// the Maildir file name's info part, keywords through the Maildir's `dovecot-keywords`.
    @Suite("Dovecot serves the flags a Sieve script set")
    struct SieveFlags {
        @Test("addflag + keep: \\Flagged and two keywords in INBOX; fileinto :flags: \\Seen \\Answered in the folder")
        func flagsServed() throws {
            let (bed, dovecot) = try DovecotInteropTests.start("dovecot-sieve-flags")
            defer { dovecot.stop() }
            let sieveDirectory = bed.root.appendingPathComponent("sieve/a/alice")
            try FileManager.default.createDirectory(at: sieveDirectory, withIntermediateDirectories: true)
            try """
                require ["fileinto", "imap4flags"];
                if header :contains "subject" "flagged" { addflag ["\\\\Flagged", "$Important", "ProjectX"]; }
                if header :contains "subject" "work" { fileinto :flags ["\\\\Seen", "\\\\Answered"] "Work"; stop; }
                """.write(to: sieveDirectory.appendingPathComponent("main.script"), atomically: true, encoding: .utf8)
            symlink("main.bc", sieveDirectory.appendingPathComponent("defaultbc").path)
            try bed.appendConfig(["sievedir: \(bed.root.path)/sieve"])
            try bed.createFolder("Work", of: "alice")
            let replies = try bed.deliverAsMailUser([
                LMTPMessage(to: ["alice"], "Subject: flagged news\n\nimportant\n"),
                LMTPMessage(to: ["alice"], "Subject: work item\n\nfor the folder\n"),
                LMTPMessage(to: ["alice"], "Subject: plain\n\nno flags\n"),
            ])
            #expect(replies.filter { $0.hasPrefix("250 2.1.5 Success") }.count == 3, "\(replies)")

            let imap = try dovecot.login("alice")
            defer { imap.logout() }
            let inbox = try imap.command("SELECT INBOX")
            #expect(inbox.count("EXISTS") == 2, "\(inbox.text)")
            let fetched = try imap.command("FETCH 1:2 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])").fetched
            let bySubject = Dictionary(fetched.values.compactMap { item -> (String, Set<String>)? in
                guard let body = item.body else { return nil }
                return (String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), Set(item.flags))
            }, uniquingKeysWith: { first, _ in first })
            let flagged = bySubject["Subject: flagged news"] ?? []
            #expect(flagged.isSuperset(of: ["\\Flagged", "$Important", "ProjectX"]), "\(bySubject)")
            #expect((bySubject["Subject: plain"] ?? ["?"]).subtracting(["\\Recent"]).isEmpty, "\(bySubject)")

            let work = try imap.command("SELECT Work")
            #expect(work.count("EXISTS") == 1)
            let filed = try imap.command("FETCH 1 (FLAGS)").fetched
            #expect(Set(filed[1]?.flags ?? []).subtracting(["\\Recent"]) == ["\\Seen", "\\Answered"], "\(filed)")
            #expect(dovecot.problems.isEmpty, "Dovecot logged: \(dovecot.problems)")
        }
    }
}
