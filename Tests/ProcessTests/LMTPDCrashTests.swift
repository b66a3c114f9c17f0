import Foundation
import Glibc
import Testing

/// kill -9 at random instants during deliveries: every message that got its 250 is in new/
/// intact, and nothing partial is ever visible in new/.
@Suite("lmtpd crash safety")
struct LMTPDCrashTests {
    struct Sent {
        let subject: String
        let expectedStored: String
        var acknowledged: Set<String> = []
    }

    @Test("kill -9 at random points loses no acknowledged message and shows nothing partial")
    func killNineDuringDeliveries() throws {
        let bed = try MailTestbed("crash")
        var generator = SystemRandomNumberGenerator()
        var sent: [Sent] = []
        var kills = 0
        for round in 0..<16 {
            let child = try bed.startLMTPD()
            _ = child.read(until: "server ready\r\n", timeout: 10)
            child.send("LHLO crash\r\n")
            _ = child.read(until: "250 Ok", timeout: 10)
            _ = child.read(until: "\r\n", timeout: 10)
            let pid = child.pid
            let delay = UInt32.random(in: 0..<150_000, using: &generator)
            let killer = Thread { usleep(delay); kill(pid, SIGKILL) }
            killer.start()
            for index in 0..<200 {
                let subject = "crash-\(round)-\(index)"
                let lineCount = Int.random(in: 1..<3000, using: &generator)
                let lines = (0..<lineCount).map { "line \($0) of \(subject) " + String(repeating: "z", count: $0 % 70) }
                var record = Sent(subject: subject, expectedStored: "Subject: \(subject)\n\n" + lines.joined(separator: "\n") + "\nEND\n")
                sent.append(record)
                guard child.send("MAIL FROM:<c@example.org>\r\nRCPT TO:<alice>\r\nRCPT TO:<bob>\r\nDATA\r\n"),
                      child.read(until: "354 go ahead\r\n", timeout: 10).hasSuffix("354 go ahead\r\n") else { break }
                let body = "Subject: \(subject)\r\n\r\n" + lines.joined(separator: "\r\n") + "\r\nEND\r\n.\r\n"
                guard child.send(body) else { break }
                let first = child.read(until: "\r\n", timeout: 10)
                let second = child.read(until: "\r\n", timeout: 10)
                if first.hasPrefix("250 2.1.5 Success") { record.acknowledged.insert("alice") }
                if second.hasPrefix("250 2.1.5 Success") { record.acknowledged.insert("bob") }
                sent[sent.count - 1] = record
                if !second.hasSuffix("\r\n") { break }
            }
            if child.wait(timeout: 10) == 128 + SIGKILL { kills += 1 }
        }
        #expect(kills >= 12, "the process should have been killed mid-work in most rounds")

        let bySubject = Dictionary(uniqueKeysWithValues: sent.map { ($0.subject, $0) })
        var acknowledgedCount = 0
        for user in ["alice", "bob"] {
            var stored: [String: Int] = [:]
            for message in bed.messages(user) {
                let text = withoutTraceHeaders(message)
                let subject = String(text.prefix { $0 != "\n" }.dropFirst("Subject: ".count))
                // Anything in new/ must be a complete message we sent.
                #expect(bySubject[subject]?.expectedStored == text, "partial or foreign file in \(user)/new: \(subject)")
                stored[subject, default: 0] += 1
            }
            for record in sent where record.acknowledged.contains(user) {
                acknowledgedCount += 1
                #expect(stored[record.subject] == 1, "acknowledged \(record.subject) missing from \(user)")
            }
        }
        #expect(acknowledgedCount > 0)
        // Leftovers of killed deliveries stay in tmp/; a later lmtpd never delivers them.
        let leftovers = bed.files("alice", in: "tmp").count
        let newBefore = bed.files("alice").count
        _ = try bed.session("LHLO c\r\nQUIT\r\n")
        #expect(bed.files("alice").count == newBefore)
        #expect(bed.files("alice", in: "tmp").count == leftovers)
    }
}
