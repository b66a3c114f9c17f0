import Testing
@testable import LMTP

@Suite("Pipelining, batching and chunk boundaries")
struct PipeliningTests {
    @Test func aPipelinedBatchIsAnsweredInOrderWithOneWrite() {
        let script = "LHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<alice>\r\nRCPT TO:<nobody>\r\nRCPT TO:<bob>\r\nDATA\r\n"
            + "Subject: s\r\n\r\nbody\r\n.\r\nMAIL FROM:<c@d>\r\nRCPT TO:<bob>\r\nDATA\r\n\r\nsecond\r\n.\r\nQUIT\r\n"
        let agent = FakeAgent()
        agent.verdicts["nobody"] = .mailboxUnknown
        let result = runSession(script, agent: agent)
        let writes = result.output.writes.map { String(decoding: $0, as: UTF8.self) }
        let id = Fixture.id(2)
        // greeting + LHLO..DATA, then (all remaining input was already read) the 354 goes out
        // alone, then the DATA replies + next batch up to its 354, then the rest.
        #expect(writes == [
            "220 localhost CyrusDelivery LMTP 1.2.3 server ready\r\n",
            "250-localhost\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-SIZE 1048576\r\n"
                + "250-SMTPUTF8\r\n250-CHUNKING\r\n250-BINARYMIME\r\n250-IGNOREQUOTA\r\n250 Ok SESSIONID=<\(Fixture.id(1))>\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n"
                + unknownUser.map { $0 + "\r\n" }.joined() + "250 2.1.5 ok\r\n354 go ahead\r\n",
            "250 2.1.5 Success SESSIONID=<\(id)>\r\n250 2.1.5 Success SESSIONID=<\(id)>\r\n"
                + "250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n",
            "250 2.1.5 Success SESSIONID=<\(id)>\r\n221 2.0.0 bye\r\n",
        ])
        #expect(agent.delivered.count == 2)
    }

    @Test func oneWritePerReadBatchWhenTheClientWaits() {
        // Each read returns one whole command: every reply is written before the next read.
        let lines = ["NOOP\r\n", "VRFY x\r\n", "RSET\r\n"]
        let result = runSession(lines.joined(), chunkSizes: lines.map(\.utf8.count))
        #expect(result.output.writes.count == 4) // greeting + 3 replies
    }

    @Test func greetingIsWrittenBeforeTheFirstRead() {
        let result = runSession("")
        #expect(result.output.writes.count == 1)
        #expect(result.input.reads == 1)
    }

    /// Splits the same conversation at every possible chunk size pattern and expects the same
    /// replies and the same stored bytes every time.
    @Test(arguments: [1, 2, 3, 5, 7, 13, 64, 1000])
    func chunkBoundariesDoNotChangeAnything(_ size: Int) {
        let script = "LHLO c\r\nMAIL FROM:<a@b> SIZE=100\r\nRCPT TO:<alice>\r\nDATA\r\n"
            + "Subject: chunk\r\nX-Folded: a\r\n b\nReturn-Path: <x>\r\n\r\n..stuffed\r\nbare lf\nbare\rcr\r\n.\r\r\n\r\n.\r\n"
            + "MAIL FROM:<c@d>\nRCPT TO:<bob>\nDATA\n\nsecond\n.\nQUIT\r\n"
        let reference = runSession(script)
        let chunked = runSession(script, chunkSizes: [size])
        let irregular = runSession(script, chunkSizes: [size, 1, size * 2 + 1, 2])
        #expect(reference.agent.delivered.count == 2)
        #expect(reference.agent.delivered[0].spool.text
                == addedHeaders(sender: "a@b", lhlo: "c") + "Subject: chunk\nX-Folded: a\n b\n\n.stuffed\nbare lf\nbarecr\n\n\n")
        for other in [chunked, irregular] {
            #expect(other.lines == reference.lines)
            #expect(other.agent.delivered.map(\.spool.bytes) == reference.agent.delivered.map(\.spool.bytes))
            #expect(other.end == .quit)
        }
    }

    @Test func dotLineSplitAcrossReads() {
        let head = transaction("\r\nbody\r\n")
        for tail in [[".", "\r", "\n"], [".\r", "\n"], [".", "\r\n"], ["\r\n.", "\r\n"]] {
            let pieces = [head] + tail + ["NOOP\r\n"]
            let input = pieces.joined()
            let result = runSession(input, chunkSizes: pieces.map(\.utf8.count))
            #expect(result.replies.suffix(2) == ["250 2.1.5 Success SESSIONID=<\(Fixture.id(2))>", "250 2.0.0 ok"])
        }
    }

    @Test func crAndLFSplitAcrossReadsInABody() {
        let head = transaction("\r\nabc\r")
        let input = head + "\ndef\r" + "\n.\r" + "\n"
        let result = runSession(input, chunkSizes: [head.utf8.count, 5, 3, 1])
        #expect(result.agent.storedText == addedHeaders() + "\nabc\ndef\n")
    }

    @Test func crAtTheEndOfAFullBufferStaysWithItsLF() {
        // A body line longer than the 64 KiB input buffer whose CR lands on the buffer's end.
        let head = transaction("\r\n")
        let prefixLength = 65_536 - 1
        let line = String(repeating: "q", count: prefixLength) + "\r\n"
        for offset in 0..<4 {
            let padded = String(repeating: "p", count: offset) + line
            let result = runSession(head + padded + "tail\r\n.\r\n", chunkSizes: [head.utf8.count, 65_536, 7])
            #expect(result.agent.storedText == addedHeaders() + "\n" + padded.replacingCRLF() + "tail\n")
        }
    }

    @Test func writeFailureEndsTheSession() {
        let logs = LogRecorder()
        let output = RecordingOutput()
        output.failure = .failed("Broken pipe")
        let session = LMTPSession(settings: Fixture.settings, client: .unixSocket, agent: FakeAgent(),
                                  logger: .init(label: "t") { _ in RecordingLogHandler(recorder: logs) },
                                  sessionIDs: Fixture.generator(), clock: Fixture.clock)
        let input = ChunkedInput("NOOP\r\nNOOP\r\n")
        #expect(session.run(input: input, output: output) == .failed("Broken pipe"))
        #expect(input.reads == 0)
    }
}

extension String {
    func replacingCRLF() -> String {
        var out = ""
        for character in self {
            if character == "\r\n" { out += "\n" } else { out.append(character) }
        }
        return out
    }
}
