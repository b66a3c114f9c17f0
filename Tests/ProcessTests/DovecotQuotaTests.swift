import Foundation
import Glibc
import Testing

extension DovecotInteropTests {
    /// Maildir++ quota: Dovecot's `quota = maildir:User quota` reads the limits and the usage
    /// from the Maildir's `maildirsize`, the file lmtpd keeps.
    @Suite("Dovecot reports the maildirsize quota")
    struct Quota {
        @Test("GETQUOTAROOT INBOX shows a maildirsize's limits and usage (KiB rounded up)")
        func reportsMaildirsize() throws {
            let (bed, dovecot) = try DovecotInteropTests.start("dovecot-quota")
            defer { dovecot.stop() }
            _ = try bed.deliverAsMailUser(Array(DovecotInteropTests.messages.prefix(3)))
            let sizes = bed.storedFiles("alice").keys.compactMap(maildirSizeField)
            #expect(sizes.count == 3)
            let used = sizes.reduce(0, +)
            // Maildir++: the limits line, then `<bytes> <messages>` lines that add up.
            try writeMaildirsize(bed, "alice", "500000S,10C\n\(used) \(sizes.count)\n")

            let imap = try dovecot.login("alice")
            defer { imap.logout() }
            let root = try imap.command("GETQUOTAROOT INBOX")
            #expect(root.isOK, "\(root.status) \(root.text)")
            #expect(root.untagged("QUOTAROOT").map(\.text) == ["* QUOTAROOT INBOX \"User quota\""])
            #expect(root.untagged("QUOTA").map(\.text) == [
                "* QUOTA \"User quota\" (STORAGE \(kibibytes(used)) \(kibibytes(500_000)) MESSAGE 3 10)",
            ])
            #expect(dovecot.problems.isEmpty, "Dovecot logged: \(dovecot.problems)")
        }

        /// Needs lmtpd's quota work (issue 6): it adds a `<size> 1` line to an existing
        /// `maildirsize` for every message it delivers, and reads the lines Dovecot adds.
        @Test("the usage lmtpd keeps in maildirsize is what Dovecot reports, also after an IMAP expunge")
        func reportsUsageKeptByLMTPD() throws {
            let (bed, dovecot) = try DovecotInteropTests.start("dovecot-quota-kept")
            defer { dovecot.stop() }
            try writeMaildirsize(bed, "alice", "6000000S\n0 0\n")
            let replies = try bed.deliverAsMailUser(Array(DovecotInteropTests.messages.prefix(3)))
            #expect(replies.filter { $0.hasPrefix("250 2.1.5 Success") }.count == 3, "\(replies)")
            try expectQuota(dovecot, "alice", matches: bed)

            // Dovecot expunges one (and subtracts it in maildirsize); lmtpd delivers one more.
            let imap = try dovecot.login("alice")
            defer { imap.logout() }
            #expect(try imap.command("SELECT INBOX").count("EXISTS") == 3)
            #expect(try imap.command("STORE 1 +FLAGS.SILENT (\\Deleted)").isOK)
            #expect(try imap.command("EXPUNGE").isOK)
            #expect(bed.storedFiles("alice").count == 2)
            let more = try bed.deliverAsMailUser([LMTPMessage(to: ["alice"], "Subject: after expunge\n\nagain\n")])
            #expect(more.contains { $0.hasPrefix("250 2.1.5 Success") }, "\(more)")
            try expectQuota(dovecot, "alice", matches: bed)
            #expect(dovecot.problems.isEmpty, "Dovecot logged: \(dovecot.problems)")
        }

        /// GETQUOTAROOT INBOX in a fresh session reports the files now in the Maildir.
        private func expectQuota(_ dovecot: DovecotInstance, _ user: String, matches bed: MailTestbed,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
            let sizes = bed.storedFiles(user).keys.compactMap(maildirSizeField)
            let used = sizes.reduce(0, +)
            // To the byte in the file; Dovecot then reports KiB.
            let text = String(decoding: bed.storedMaildirsize(user), as: UTF8.self)
            let lines = text.split(separator: "\n").dropFirst().map { $0.split(separator: " ").compactMap { Int($0) } }
            let (bytes, messages) = lines.reduce((0, 0)) { ($0.0 + ($1.first ?? 0), $0.1 + ($1.last ?? 0)) }
            #expect(bytes == used && messages == sizes.count, "maildirsize: \(text)", sourceLocation: sourceLocation)
            let imap = try dovecot.login(user)
            defer { imap.logout() }
            let root = try imap.command("GETQUOTAROOT INBOX")
            #expect(root.untagged("QUOTA").map(\.text) == [
                "* QUOTA \"User quota\" (STORAGE \(kibibytes(used)) \(kibibytes(6_000_000)))",
            ], "maildirsize: \(text)", sourceLocation: sourceLocation)
        }

        /// Dovecot reports KiB, rounded up.
        private func kibibytes(_ bytes: Int) -> Int { (bytes + 1023) / 1024 }

        private func writeMaildirsize(_ bed: MailTestbed, _ user: String, _ text: String) throws {
            try text.write(to: bed.maildir(user).appendingPathComponent("maildirsize"), atomically: false, encoding: .utf8)
            try bed.giveToMailUser()
        }
    }
}

extension MailTestbed {
    /// A user's `maildirsize` file, empty if there is none.
    func storedMaildirsize(_ user: String) -> [UInt8] {
        FileManager.default.contents(atPath: maildir(user).appendingPathComponent("maildirsize").path).map { [UInt8]($0) } ?? []
    }
}
