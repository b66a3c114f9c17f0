import Foundation
import Testing

/// Duplicate suppression through real lmtpd processes: the same Message-ID (and Date) to the
/// same mailbox is acknowledged and stored once, also when two processes get it at once.
@Suite("lmtpd suppresses duplicate deliveries")
struct MailboxDuplicateTests {
    static let date = "Date: Tue, 24 Nov 2026 20:00:21 +0000"

    @Test("the same message again is acknowledged with 250 and not stored twice")
    func sequential() throws {
        let bed = try MailTestbed("dup-seq")
        let headers = ["Message-ID: <once@example.org>", Self.date, "Subject: once"]
        #expect(MailboxReplies.successes(try bed.deliver(to: ["alice", "bob"], headers: headers)) == 2)
        #expect(MailboxReplies.successes(try bed.deliver(to: ["alice", "bob"], headers: headers)) == 2)
        #expect(bed.newFiles("alice").count == 1)
        #expect(bed.newFiles("bob").count == 1)
        #expect(FileManager.default.fileExists(atPath: bed.root.appendingPathComponent("conf/deliver.db").path))
    }

    @Test("the same message twice in one pipelined session is stored once (the first one's record is written before the second is claimed)")
    func pipelinedInOneSession() throws {
        let bed = try MailTestbed("dup-pipelined")
        var input = "LHLO pipeliner\r\n"
        for _ in 0..<2 {
            input += "MAIL FROM:<list@example.org>\r\nRCPT TO:<alice>\r\nDATA\r\n"
            input += "Message-ID: <twice@example.org>\r\n\(Self.date)\r\nSubject: twice\r\n\r\nbody\r\n.\r\n"
        }
        let lmtpd = try bed.startLMTPD()
        lmtpd.send(input + "QUIT\r\n")
        lmtpd.closeInput()
        let output = lmtpd.readAll()
        lmtpd.wait()
        #expect(MailboxReplies.successes(replyLines(output)) == 2, "\(replyLines(output))")
        #expect(bed.newFiles("alice").count == 1)
    }

    @Test("another Date, another folder, or no Message-ID is stored again")
    func notDuplicates() throws {
        let bed = try MailTestbed("dup-keys")
        try bed.makeFolder("alice", ".Work")
        let headers = ["Message-ID: <key@example.org>", Self.date]
        _ = try bed.deliver(to: ["alice"], headers: headers)
        _ = try bed.deliver(to: ["alice"], headers: ["Message-ID: <key@example.org>", "Date: Wed, 25 Nov 2026 08:00:00 +0000"])
        _ = try bed.deliver(to: ["alice+Work"], headers: headers)
        _ = try bed.deliver(to: ["alice+Work"], headers: headers)
        _ = try bed.deliver(to: ["bob"], headers: ["Subject: no id"])
        _ = try bed.deliver(to: ["bob"], headers: ["Subject: no id"])
        #expect(bed.newFiles("alice").count == 2)
        #expect(bed.newFiles("alice", ".Work").count == 1)
        #expect(bed.newFiles("bob").count == 2)
    }

    @Test("duplicatesuppression: 0 stores every copy and keeps no database")
    func disabled() throws {
        let bed = try MailTestbed("dup-off", extraConfig: ["duplicatesuppression: 0"])
        let headers = ["Message-ID: <twice@example.org>", Self.date]
        _ = try bed.deliver(to: ["alice"], headers: headers)
        _ = try bed.deliver(to: ["alice"], headers: headers)
        #expect(bed.newFiles("alice").count == 2)
        #expect(!FileManager.default.fileExists(atPath: bed.root.appendingPathComponent("conf/deliver.db").path))
    }

    @Test("duplicate_db_path puts the database elsewhere")
    func customPath() throws {
        let bed = try MailTestbed("dup-path", extraConfig: ["duplicate_db_path: {configdirectory}/dups.sqlite"])
        _ = try bed.deliver(to: ["alice"], headers: ["Message-ID: <p@example.org>", Self.date])
        #expect(FileManager.default.fileExists(atPath: bed.root.appendingPathComponent("conf/dups.sqlite").path))
    }

    @Test("two lmtpd processes given the same messages at the same moment store each once, both say 250")
    func twoProcessesAtOnce() throws {
        let bed = try MailTestbed("dup-race")
        try bed.makeFolder("alice", ".Lists")
        let count = 30
        // One process takes the messages in order, the other in reverse: they deliver disjoint
        // halves at first and meet on the same messages in the middle, at the same moment.
        func batch(_ order: [Int]) -> String {
            var input = "LHLO racer\r\n"
            for index in order {
                input += "MAIL FROM:<list@example.org>\r\nRCPT TO:<alice>\r\nRCPT TO:<alice+Lists>\r\nRCPT TO:<bob>\r\nDATA\r\n"
                input += "Message-ID: <race-\(index)@example.org>\r\n\(Self.date)\r\nSubject: race \(index)\r\n\r\nbody \(index)\r\n.\r\n"
            }
            return input + "QUIT\r\n"
        }
        // Both processes start first, then get their whole batch back to back.
        let first = try bed.startLMTPD()
        let second = try bed.startLMTPD()
        first.send(batch(Array(0..<count)))
        second.send(batch(Array((0..<count).reversed())))
        first.closeInput()
        second.closeInput()
        let outputs = [first.readAll(), second.readAll()]
        first.wait()
        second.wait()
        for output in outputs {
            #expect(MailboxReplies.successes(replyLines(output)) == 3 * count, "\(replyLines(output).filter { !$0.hasPrefix("250") })")
        }
        for (user, folder) in [("alice", nil), ("alice", ".Lists"), ("bob", nil)] as [(String, String?)] {
            let subjects = bed.newMessages(user, folder).compactMap { message in
                message.split(separator: "\n").first { $0.hasPrefix("Subject: ") }.map(String.init)
            }
            #expect(subjects.count == count, "\(user) \(folder ?? "INBOX"): \(subjects.count) messages")
            #expect(Set(subjects).count == count)
        }
    }
}
