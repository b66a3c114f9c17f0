import Foundation
import Testing

/// lmtpd as a real process on pipes: whole sessions, read back from the Maildir.
@Suite("lmtpd sessions on pipes")
struct LMTPDSessionTests {
    @Test("one message to one recipient is stored byte for byte, with trace headers first")
    func singleRecipient() throws {
        let bed = try MailTestbed("single")
        let (output, status) = try bed.session("""
            LHLO client.example\r
            MAIL FROM:<sender@example.org>\r
            RCPT TO:<alice@test.example>\r
            DATA\r
            Subject: hello\r
            From: sender@example.org\r
            \r
            first line\r
            ..starts with a dot\r
            .\r
            QUIT\r

            """)
        #expect(status == 0)
        let lines = replyLines(output)
        #expect(lines.first == "220 test.example CyrusDelivery LMTP 0.1.0 server ready")
        #expect(lines.contains("250 2.1.0 ok"))
        #expect(lines.contains("250 2.1.5 ok"))
        #expect(lines.contains("354 go ahead"))
        #expect(lines.contains { $0.hasPrefix("250 2.1.5 Success SESSIONID=<") })
        #expect(lines.last == "221 2.0.0 bye")

        let messages = bed.messages("alice")
        try #require(messages.count == 1)
        let text = String(decoding: messages[0], as: UTF8.self)
        #expect(text.hasPrefix("Return-Path: <sender@example.org>\nReceived: from client.example ([unix socket])\n\tby test.example"))
        #expect(withoutTraceHeaders(messages[0]) == "Subject: hello\nFrom: sender@example.org\n\nfirst line\n.starts with a dot\n")
        // Maildir name carries the exact size Dovecot trusts.
        let name = bed.files("alice")[0]
        #expect(name.hasSuffix(",S=\(messages[0].count)"))
        #expect(bed.files("alice", in: "tmp").isEmpty)
    }

    @Test("several recipients: one reply each in RCPT order, one shared file, unknown users refused")
    func multipleRecipients() throws {
        let bed = try MailTestbed("multi", users: ["alice", "bob", "carol"])
        let (output, _) = try bed.session("""
            LHLO c\r
            MAIL FROM:<>\r
            RCPT TO:<alice>\r
            RCPT TO:<nosuchuser>\r
            RCPT TO:<BOB@test.example>\r
            RCPT TO:<carol+folder@test.example>\r
            DATA\r
            Subject: to three\r
            \r
            body\r
            .\r
            QUIT\r

            """)
        let lines = replyLines(output)
        #expect(lines.contains("550 5.1.1 User unknown"))
        let successes = lines.filter { $0.hasPrefix("250 2.1.5 Success") }
        #expect(successes.count == 3)
        for user in ["alice", "bob", "carol"] {
            let messages = bed.messages(user)
            try #require(messages.count == 1, "\(user) has \(messages.count) messages")
            #expect(String(decoding: messages[0], as: UTF8.self).hasPrefix("Return-Path: <>\n"))
            #expect(withoutTraceHeaders(messages[0]) == "Subject: to three\n\nbody\n")
        }
        // Written once, hard-linked into each Maildir.
        let path = bed.maildir("alice").appendingPathComponent("new/" + bed.files("alice")[0]).path
        let links = try FileManager.default.attributesOfItem(atPath: path)[.referenceCount] as? Int
        #expect(links == 3)
    }

    @Test("a pipelined batch is answered in order")
    func pipelinedBatch() throws {
        let bed = try MailTestbed("pipelined")
        let child = try bed.startLMTPD()
        #expect(child.read(until: "server ready\r\n").hasPrefix("220 "))
        child.send("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice>\r\nRCPT TO:<bob>\r\nDATA\r\n")
        let batch = replyLines(child.read(until: "354 go ahead\r\n"))
        #expect(Array(batch.suffix(4)) == ["250 2.1.0 ok", "250 2.1.5 ok", "250 2.1.5 ok", "354 go ahead"])
        child.send("Subject: p\r\n\r\nx\r\n.\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<bob>\r\nDATA\r\n")
        let second = replyLines(child.read(until: "354 go ahead\r\n"))
        #expect(second.count == 5)
        #expect(second[0].hasPrefix("250 2.1.5 Success") && second[1].hasPrefix("250 2.1.5 Success"))
        #expect(Array(second[2...]) == ["250 2.1.0 ok", "250 2.1.5 ok", "354 go ahead"])
        child.send("Subject: q\r\n\r\ny\r\n.\r\nQUIT\r\n")
        let rest = replyLines(child.readAll())
        #expect(rest.first?.hasPrefix("250 2.1.5 Success") == true)
        #expect(rest.last == "221 2.0.0 bye")
        #expect(child.wait() == 0)
        #expect(bed.messages("alice").count == 1)
        #expect(bed.messages("bob").count == 2)
    }

    @Test("bare LF and CRLF input store the same LF bytes")
    func lineEndings() throws {
        let bed = try MailTestbed("lineends")
        _ = try bed.session("LHLO c\nMAIL FROM:<a@b.example>\nRCPT TO:<alice>\nDATA\nSubject: lf\n\none\ntwo\n.\nQUIT\n")
        _ = try bed.session("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<bob>\r\nDATA\r\nSubject: lf\r\n\r\none\r\ntwo\r\n.\r\nQUIT\r\n")
        let lf = bed.messages("alice"), crlf = bed.messages("bob")
        try #require(lf.count == 1 && crlf.count == 1)
        #expect(withoutTraceHeaders(lf[0]) == "Subject: lf\n\none\ntwo\n")
        #expect(withoutTraceHeaders(lf[0]) == withoutTraceHeaders(crlf[0]))
    }
}
