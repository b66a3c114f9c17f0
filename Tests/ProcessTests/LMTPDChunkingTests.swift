import Foundation
import Testing

/// CHUNKING, BINARYMIME and SMTPUTF8 through the real lmtpd on pipes, read back from the Maildir.
@Suite("lmtpd: BDAT and SMTPUTF8 on pipes")
struct LMTPDChunkingTests {
    static func chunk(_ bytes: [UInt8], last: Bool = false) -> [UInt8] {
        Array("BDAT \(bytes.count)\(last ? " LAST" : "")\r\n".utf8) + bytes
    }

    /// Runs one session from raw bytes; returns lmtpd's reply lines and its exit status.
    static func session(_ bed: MailTestbed, _ input: [UInt8]) throws -> ([String], Int32) {
        let child = try bed.startLMTPD()
        _ = child.send(input)
        child.closeInput()
        let output = child.readAll()
        return (replyLines(output), child.wait())
    }

    static let envelope = Array("LHLO client.example\r\nMAIL FROM:<sender@example.org>\r\nRCPT TO:<alice>\r\nRCPT TO:<bob>\r\n".utf8)

    @Test("a 300 KB message in three chunks, CRLF pairs split between them, is stored once for both recipients, byte for byte")
    func largeChunkedMessage() throws {
        let bed = try MailTestbed("bdat-large")
        var body = "Subject: chunked\r\nMessage-ID: <big@example.org>\r\n\r\n"
        for n in 0..<6000 { body += "line \(n) of the chunked message, filler filler filler\r\n" }
        let bytes = Array(body.utf8)
        let cut1 = bytes.firstIndex(of: 0x0A)! // the first chunk ends between CR and LF
        let cut2 = bytes.count / 2
        let input = Self.envelope + Self.chunk(Array(bytes[..<cut1])) + Self.chunk(Array(bytes[cut1..<cut2]))
            + Self.chunk(Array(bytes[cut2...])) + Array("BDAT 0 LAST\r\nQUIT\r\n".utf8)
        let (lines, status) = try Self.session(bed, input)
        #expect(status == 0)
        #expect(lines.contains("250-CHUNKING") && lines.contains("250-BINARYMIME") && lines.contains("250-SMTPUTF8"))
        #expect(lines.filter { $0.hasSuffix("octets received") } == [
            "250 2.0.0 \(cut1) octets received", "250 2.0.0 \(cut2 - cut1) octets received",
            "250 2.0.0 \(bytes.count - cut2) octets received",
        ])
        #expect(lines.filter { $0.hasPrefix("250 2.1.5 Success") }.count == 2)
        let expected = body.replacingOccurrences(of: "\r\n", with: "\n")
        for user in ["alice", "bob"] {
            let messages = bed.messages(user)
            try #require(messages.count == 1, "\(user)")
            #expect(withoutTraceHeaders(messages[0]) == expected)
        }
    }

    @Test("the client leaves in the middle of a chunk: nothing in new/ or tmp/, lmtpd ends normally")
    func disconnectMidChunk() throws {
        let bed = try MailTestbed("bdat-cut")
        let input = Self.envelope + Self.chunk(Array("Subject: a\r\n\r\n".utf8)) + Array("BDAT 5000 LAST\r\nonly part of it\r\n".utf8)
        let (lines, status) = try Self.session(bed, input)
        #expect(lines.last == "250 2.0.0 14 octets received", "\(lines)")
        #expect(status == 0)
        for user in ["alice", "bob"] {
            #expect(bed.files(user).isEmpty && bed.files(user, in: "tmp").isEmpty, "\(user)")
        }
    }

    @Test("a chunk size lmtpd cannot trust: 501, the connection closed, the rest never read as commands")
    func untrustworthySize() throws {
        let bed = try MailTestbed("bdat-badsize")
        for size in ["12x", "-5", "99999999999999999999999", ""] {
            let input = Self.envelope + Array("BDAT \(size)\r\nRSET\r\nQUIT\r\n".utf8)
            let (lines, status) = try Self.session(bed, input)
            #expect(lines.last == "501 5.5.4 Invalid BDAT chunk size, closing connection", "BDAT \(size): \(lines)")
            #expect(!lines.contains { $0.hasPrefix("221") } && status == 0, "BDAT \(size)")
        }
        #expect(bed.files("alice").isEmpty)
    }

    @Test("over maxmessagesize: every chunk is read, then 552 for each recipient after LAST; the session goes on")
    func overMaxMessageSize() throws {
        let bed = try MailTestbed("bdat-max", extraConfig: ["maxmessagesize: 2000"])
        let first = Array("Subject: big\r\n\r\n".utf8), line = Array((String(repeating: "y", count: 78) + "\r\n").utf8)
        var input = Self.envelope + Self.chunk(first)
        for _ in 0..<30 { input += Self.chunk(line) }
        input += Self.chunk([], last: true) + Array("NOOP\r\nQUIT\r\n".utf8)
        let (lines, _) = try Self.session(bed, input)
        #expect(lines.filter { $0.hasPrefix("552") }.count == 2, "\(lines.suffix(4))")
        #expect(Array(lines.suffix(2)) == ["250 2.0.0 ok", "221 2.0.0 bye"])
        #expect(bed.files("alice").isEmpty && bed.files("alice", in: "tmp").isEmpty)
    }

    @Test("BODY=BINARYMIME: the body is on disk byte for byte (CRLF, bare CR, NUL), the header block in LF form")
    func binaryBody() throws {
        let bed = try MailTestbed("bdat-binary")
        let body: [UInt8] = [0x00, 0x01, 0xFF, 0x0D, 0x0A, 0x2E, 0x0D, 0x0A, 0x0D, 0x41]
        let input = Array("LHLO c\r\nMAIL FROM:<s@example.org> BODY=BINARYMIME\r\nRCPT TO:<alice>\r\n".utf8)
            + Self.chunk(Array("Subject: binary\r\nContent-Type: application/octet-stream\r\n\r\n".utf8) + body, last: true)
            + Array("QUIT\r\n".utf8)
        let (lines, _) = try Self.session(bed, input)
        #expect(lines.contains { $0.hasPrefix("250 2.1.5 Success") }, "\(lines)")
        let stored = try #require(bed.messages("alice").first)
        let header = Array("Subject: binary\nContent-Type: application/octet-stream\n\n".utf8)
        #expect(Array(stored.suffix(header.count + body.count)) == header + body)
    }

    @Test("SMTPUTF8: josé typed with a combining accent finds josé's Maildir, +Entwürfe its modified UTF-7 folder; UTF-8 kept in Return-Path and header fields")
    func internationalUser() throws {
        let bed = try MailTestbed("utf8-user", users: ["josé"])
        try bed.makeFolder("josé", ".Entw&APw-rfe")
        let (lines, _) = try Self.session(bed, Array("""
            LHLO client.example\r
            MAIL FROM:<jörg@exämple.org> SMTPUTF8\r
            RCPT TO:<jose\u{301}@test.example>\r
            RCPT TO:<josé+Entwu\u{308}rfe@test.example>\r
            RCPT TO:<josé@test.example>\r
            RCPT TO:<JOSÉ@test.example>\r
            DATA\r
            Subject: Grüße\r
            \r
            Hallo\r
            .\r
            MAIL FROM:<s@example.org>\r
            RCPT TO:<josé@test.example>\r
            QUIT\r

            """.utf8))
        #expect(lines.filter { $0.hasPrefix("250 2.1.5 Success") }.count == 3, "\(lines)")
        #expect(lines.contains("553 5.6.7 Non-ASCII address not permitted without SMTPUTF8"))
        #expect(lines.contains("550 5.1.1 User unknown"), "lmtp_downcase_rcpt folds ASCII only: JOSÉ is josÉ, no such user")
        let inbox = bed.messages("josé")
        try #require(inbox.count == 1, "the two INBOX recipients are one mailbox: one copy")
        let text = String(decoding: inbox[0], as: UTF8.self)
        #expect(text.hasPrefix("Return-Path: <jörg@exämple.org>\n"), "\(text)")
        #expect(text.contains(" with UTF8LMTPA id "), "\(text)")
        #expect(withoutTraceHeaders(inbox[0]) == "Subject: Grüße\n\nHallo\n")
        #expect(bed.newFiles("josé", ".Entw&APw-rfe").count == 1, "\(lines)")
    }
}
