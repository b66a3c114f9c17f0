import Testing
@testable import LMTP

/// BDAT (RFC 3030 CHUNKING, BINARYMIME) in the engine: chunks read exactly, replies per chunk and
/// per recipient, the session kept in step after every error.
@Suite("BDAT")
struct ChunkingTests {
    /// `BDAT <n>[ LAST]` followed by the chunk's bytes.
    static func chunk(_ text: String, last: Bool = false) -> String {
        "BDAT \(text.utf8.count)\(last ? " LAST" : "")\r\n" + text
    }

    static let envelope = "LHLO client.example\r\nMAIL FROM:<sender@example.org>\r\nRCPT TO:<alice@localhost>\r\n"

    /// The replies after LHLO, MAIL and RCPT.
    static func afterEnvelope(_ result: SessionResult, recipients: Int = 1) -> [String] {
        Array(result.replies.dropFirst(lhloLines + 1 + recipients))
    }

    @Test("chunks are stored exactly, CRLF split across chunks and reads included; one reply per chunk, one per recipient after LAST")
    func chunksAreJoined() {
        let parts = ["Subject: chunked\r", "\nMessage-ID: <c1@example.org>\r\n\r", "\n.leading dot stays\r\nline two\r", "\n"]
        let script = Self.envelope + parts.enumerated().map { Self.chunk($1, last: $0 == parts.count - 1) }.joined() + "QUIT\r\n"
        for sizes in [[], [1], [7, 3, 50], [100, 1, 2]] {
            let result = runSession(script, chunkSizes: sizes)
            #expect(Self.afterEnvelope(result) == [
                "250 2.0.0 17 octets received", "250 2.0.0 32 octets received", "250 2.0.0 30 octets received",
                "250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>", "221 2.0.0 bye",
            ], "read sizes \(sizes)")
            #expect(result.agent.storedText == addedHeaders()
                + "Subject: chunked\nMessage-ID: <c1@example.org>\n\n.leading dot stays\nline two\n", "read sizes \(sizes)")
            #expect(result.agent.delivered.first?.envelope.messageID == "<c1@example.org>")
        }
    }

    @Test("a lone chunk with LAST, and BDAT 0 LAST ending a message, work")
    func lastAndEmptyLast() {
        let one = runSession(Self.envelope + Self.chunk("Subject: a\r\n\r\nbody\r\n", last: true))
        #expect(Self.afterEnvelope(one) == ["250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>"])
        #expect(one.agent.storedText == addedHeaders() + "Subject: a\n\nbody\n")
        let zero = runSession(Self.envelope + Self.chunk("Subject: b\r\n\r\nbody\r\n") + "BDAT 0 LAST\r\n")
        #expect(Self.afterEnvelope(zero) == ["250 2.0.0 20 octets received", "250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>"])
        #expect(zero.agent.storedText == addedHeaders() + "Subject: b\n\nbody\n")
    }

    @Test("RCPT once chunks have begun: 503, and the message goes to the recipients it was begun for")
    func recipientAfterChunks() {
        let result = runSession(Self.envelope + Self.chunk("Subject: r\r\n\r\n") + "RCPT TO:<bob>\r\n" + Self.chunk("x\r\n", last: true))
        #expect(Self.afterEnvelope(result) == ["250 2.0.0 14 octets received", "503 5.5.1 RCPT not allowed after BDAT",
                                               "250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>"])
        #expect(result.agent.delivered.first?.recipients.map(\.user) == ["alice"])
    }

    @Test("the disk fills up between chunks: the chunks are still read and answered, each recipient gets DATA's 4xx after LAST")
    func diskFullMidMessage() {
        func run(_ message: String) -> SessionResult {
            let agent = FakeAgent()
            agent.spoolFailAfter = 40
            agent.spoolFailure = .storageFull
            return runSession(message, agent: agent)
        }
        let body = "Subject: full\r\n\r\n" + String(repeating: "0123456789\r\n", count: 20)
        let bytes = Array(body.utf8)
        let chunked = run(Self.envelope + Self.chunk(String(decoding: bytes[..<50], as: UTF8.self))
            + Self.chunk(String(decoding: bytes[50...], as: UTF8.self), last: true) + "NOOP\r\n")
        let data = run(Self.envelope + "DATA\r\n" + body + ".\r\nNOOP\r\n")
        let failure = data.replies.dropLast().last ?? ""
        #expect(failure.hasPrefix("4"), "\(data.replies)")
        #expect(Array(chunked.replies.suffix(3)) == ["250 2.0.0 50 octets received", failure, "250 2.0.0 ok"], "\(chunked.replies)")
        #expect(chunked.agent.delivered.isEmpty && chunked.agent.discarded.count == 1)
    }

    @Test("a message whose last line has no line end is stored with one, header block or body")
    func lastLineWithoutLineEnd() {
        let body = runSession(Self.envelope + Self.chunk("Subject: a\r\n\r\nno end", last: true))
        #expect(body.agent.storedText == addedHeaders() + "Subject: a\n\nno end\n")
        let header = runSession(Self.envelope + Self.chunk("Subject: on", last: false) + Self.chunk("ly", last: true))
        #expect(header.agent.storedText == addedHeaders() + "Subject: only\n")
    }

    @Test("one reply per accepted recipient after LAST, with each recipient's result")
    func perRecipientReplies() {
        let agent = FakeAgent()
        agent.verdicts["nobody"] = .mailboxUnknown
        agent.deliveryFailures["bob"] = .overQuota(permanent: false)
        var script = "LHLO x\r\nMAIL FROM:<s@example.org>\r\n"
        for user in ["alice", "nobody", "bob"] { script += "RCPT TO:<\(user)>\r\n" }
        let result = runSession(script + Self.chunk("\r\nbody\r\n", last: true), agent: agent)
        let id = Fixture.id(2)
        #expect(Array(result.replies.suffix(2)) == ["250 2.1.5 Success SESSIONID=<\(id)>", "452 4.2.2 Over quota SESSIONID=<\(id)>"])
        #expect(agent.delivered.first?.recipients.map(\.user) == ["alice", "bob"])
    }

    @Test("pipelined chunks are answered in order with one write per batch")
    func pipelinedInOneWrite() {
        let script = Self.envelope + Self.chunk("Subject: p\r\n\r\n") + Self.chunk("one\r\n") + Self.chunk("two\r\n", last: true) + "QUIT\r\n"
        let result = runSession(script)
        let writes = result.output.writes.map { String(decoding: $0, as: UTF8.self) }
        #expect(writes.count == 2, "\(writes)")
        #expect(writes.last?.hasSuffix("250 2.0.0 14 octets received\r\n250 2.0.0 5 octets received\r\n"
            + "250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>\r\n221 2.0.0 bye\r\n") == true, "\(writes)")
    }

    @Test("a client that waits for each chunk's reply gets it before the next chunk is read")
    func nonPipeliningClient() {
        let pieces = [Self.envelope, Self.chunk("Subject: w\r\n\r\n"), Self.chunk("body\r\n", last: true)]
        let result = runSession(pieces.joined(), chunkSizes: pieces.map(\.utf8.count))
        let writes = result.output.writes.map { String(decoding: $0, as: UTF8.self) }
        #expect(writes.contains("250 2.0.0 14 octets received\r\n"), "\(writes)")
    }

    @Test("BDAT without MAIL or without a recipient: 503, the chunk's octets read and dropped, the session in step")
    func outOfSequence() {
        let noMail = runSession("LHLO x\r\n" + Self.chunk("NOOP\r\nQUIT\r\n", last: true) + "NOOP\r\n")
        #expect(Array(noMail.replies.suffix(2)) == ["503 5.5.1 Need MAIL command", "250 2.0.0 ok"])
        let agent = FakeAgent()
        agent.verdicts["nobody"] = .mailboxUnknown
        let noRecipient = runSession("LHLO x\r\nMAIL FROM:<s@h>\r\nRCPT TO:<nobody>\r\n" + Self.chunk("QUIT\r\n") + "NOOP\r\n", agent: agent)
        #expect(Array(noRecipient.replies.suffix(2)) == ["503 5.5.1 No recipients", "250 2.0.0 ok"])
        #expect(agent.opened.isEmpty)
    }

    @Test("DATA after BDAT in one transaction: 503; RSET clears it and drops the half-received message")
    func dataAfterChunks() {
        let result = runSession(Self.envelope + Self.chunk("Subject: x\r\n\r\n") + "DATA\r\nRSET\r\n"
            + "MAIL FROM:<s@h>\r\nRCPT TO:<bob>\r\nDATA\r\n\r\nhi\r\n.\r\n")
        #expect(Self.afterEnvelope(result).prefix(3) == ["250 2.0.0 14 octets received", "503 5.5.1 DATA not allowed after BDAT",
                                                         "250 2.0.0 Ok SESSIONID=<\(Fixture.id(3))>"])
        #expect(result.replies.last?.hasPrefix("250 2.1.5 Success") == true)
        #expect(result.agent.discarded.count == 1 && result.agent.delivered.count == 1)
        #expect(result.agent.delivered.first?.recipients.map(\.user) == ["bob"])
    }

    @Test("BODY=BINARYMIME: DATA refused; with BDAT the body is stored byte for byte (CRLF, NUL, bare CR kept), the header as usual")
    func binaryMIME() {
        let mail = "LHLO x\r\nMAIL FROM:<s@example.org> BODY=BINARYMIME\r\nRCPT TO:<alice>\r\n"
        let data = runSession(mail + "DATA\r\nNOOP\r\n")
        #expect(Array(data.replies.suffix(2)) == ["503 5.5.1 BODY=BINARYMIME requires BDAT", "250 2.0.0 ok"])
        let body = "bin\0ary\r\nbare\rcr\n.dot\r\n"
        let result = runSession(mail + Self.chunk("Subject: bin\r\n\r\n" + body, last: true))
        #expect(result.replies.last == "250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>")
        #expect(result.agent.storedText == addedHeaders(sender: "s@example.org", lhlo: "x") + "Subject: bin\n\n" + body)
    }

    @Test("without BINARYMIME a NUL in a chunk refuses the message after LAST, like DATA")
    func nulWithoutBinary() {
        let result = runSession(Self.envelope + Self.chunk("Subject: n\r\n\r\na\0b\r\n", last: true) + "NOOP\r\n")
        #expect(Array(result.replies.suffix(2)) == ["554 5.6.0 Message contains NUL characters", "250 2.0.0 ok"])
        #expect(result.agent.delivered.isEmpty && result.agent.discarded.count == 1)
    }

    @Test("over maxmessagesize: every chunk is read, then 552 per recipient after LAST", arguments: [false, true])
    func tooBig(split: Bool) {
        var settings = Fixture.settings
        settings.maxMessageSize = 300
        let big = "Subject: big\r\n\r\n" + String(repeating: "0123456789\r\n", count: 40)
        let chunks = split ? Self.chunk(String(big.prefix(200))) + Self.chunk(String(big.dropFirst(200)), last: true)
                           : Self.chunk(big, last: true)
        let result = runSession(Self.envelope + chunks + "NOOP\r\n", settings: settings)
        #expect(result.replies.suffix(2).first?.hasPrefix("552 5.2.3 Message size") == true, "\(result.replies)")
        #expect(result.replies.last == "250 2.0.0 ok")
        #expect(result.agent.delivered.isEmpty)
    }

    @Test("a chunk size that is not a number, is negative or overflows: 501 and the connection is closed",
          arguments: ["BDAT x", "BDAT -5", "BDAT 99999999999999999999999", "BDAT  5", "BDAT 5x LAST", "BDAT"])
    func untrustworthySize(_ line: String) {
        let result = runSession(Self.envelope + line + "\r\nNOOP\r\n")
        if line == "BDAT" {
            #expect(result.replies.suffix(2) == ["500 5.5.2 Syntax error", "250 2.0.0 ok"])
            return
        }
        #expect(result.replies.last == "501 5.5.4 Invalid BDAT chunk size, closing connection")
        #expect(result.end == .failed("invalid BDAT chunk size"))
        #expect(result.agent.delivered.isEmpty)
    }

    @Test("a known size with junk after it: the chunk is read and dropped, 501, the session goes on")
    func junkAfterSize() {
        let result = runSession(Self.envelope + "BDAT 6 LASTX\r\nNOOP\r\nNOOP\r\n")
        #expect(Array(result.replies.suffix(2)) == ["501 5.5.4 Unrecognized parameters", "250 2.0.0 ok"])
    }

    @Test("the client disconnects in the middle of a chunk: nothing delivered, the spool discarded", arguments: [false, true])
    func disconnectMidChunk(afterFirstChunk: Bool) {
        let first = afterFirstChunk ? Self.chunk("Subject: d\r\n\r\n") : ""
        let result = runSession(Self.envelope + first + "BDAT 100 LAST\r\nonly a few bytes")
        #expect(result.end == .clientClosed)
        #expect(result.agent.delivered.isEmpty)
        #expect(result.agent.discarded.count == result.agent.opened.count && result.agent.opened.count == 1)
    }

    @Test("no spool can be opened: the first chunk gets the 451 and pipelined ones after it a 503")
    func spoolUnavailable() {
        let agent = FakeAgent()
        agent.openFailure = .storageFull
        let result = runSession(Self.envelope + Self.chunk("Subject: s\r\n\r\n") + Self.chunk("x\r\n", last: true) + "NOOP\r\n", agent: agent)
        #expect(Array(result.replies.suffix(3)) == ["451 4.3.1 cannot create temporary file: No space left on device",
                                                    "503 5.5.1 Need MAIL command", "250 2.0.0 ok"])
    }

    @Test("a session that ends with a message half-received discards its spool")
    func quitMidMessage() {
        let result = runSession(Self.envelope + Self.chunk("Subject: q\r\n\r\n") + "QUIT\r\n")
        #expect(result.end == .quit)
        #expect(result.agent.discarded.count == 1 && result.agent.delivered.isEmpty)
    }
}
