import Foundation
import Glibc
import Testing

extension DovecotInteropTests {
    /// Maildir++ folders (`.Name` with `cur`, `new`, `tmp` and a `maildirfolder` file) as lmtpd
    /// delivers `user+Name` into them (needs the +detail folder work of issue 6; without it
    /// lmtpd puts `alice+Work` into alice's INBOX).
    @Suite("Dovecot lists the +detail folders lmtpd delivers into")
    struct Folders {
        @Test("alice+Work lands in .Work: LIST shows it, SELECT counts it, BODY[] is the file")
        func deliversIntoFolder() throws {
            let (bed, dovecot) = try DovecotInteropTests.start("dovecot-folders")
            defer { dovecot.stop() }
            try bed.createFolder("Work", of: "alice")
            let replies = try bed.deliverAsMailUser([
                LMTPMessage(to: ["alice+Work"], "Subject: for the folder\n\ninto .Work\n"),
                LMTPMessage(to: ["alice"], "Subject: for the inbox\n\ninto INBOX\n"),
            ])
            #expect(replies.filter { $0.hasPrefix("250 2.1.5 Success") }.count == 2, "\(replies)")

            let imap = try dovecot.login("alice")
            defer { imap.logout() }
            let list = try imap.command("LIST \"\" \"*\"")
            #expect(Set(list.listedMailboxes) == ["INBOX", "Work"])

            let work = try imap.command("SELECT Work")
            #expect(work.isOK, "\(work.text)")
            #expect(work.count("EXISTS") == 1)
            let served = try imap.command("FETCH 1 (FLAGS RFC822.SIZE BODY.PEEK[])").fetched
            #expect(served[1]?.flags == ["\\Recent"])
            try DovecotInteropTests.expectServedExactly(served.values.map { $0 },
                                                        stored: bed.storedFiles("alice", folder: "Work"))
            #expect(served[1]?.body.map { String(decoding: $0, as: UTF8.self).contains("into .Work") } == true)

            let inbox = try imap.command("SELECT INBOX")
            #expect(inbox.count("EXISTS") == 1)
            #expect(dovecot.problems.isEmpty, "Dovecot logged: \(dovecot.problems)")
        }
    }
}
