import Testing
@testable import LMTP

@Suite("DATA refusals and failures")
struct DataRejectionTests {
    private func replyLines(_ result: SessionResult, count: Int) -> [String] {
        Array(result.replies.suffix(count))
    }

    @Test(arguments: ["Subject: a\u{0}b\r\n\r\nbody\r\n", "Subject: ab\r\n\r\nbo\u{0}dy\r\n", "\r\n\u{0}\r\n"])
    func nulRefusesTheMessageForEveryRecipient(_ message: String) {
        let result = runSession(transaction(message + ".\r\nNOOP\r\n", recipients: ["alice", "bob"]))
        #expect(replyLines(result, count: 3) == [
            "554 5.6.0 Message contains NUL characters", "554 5.6.0 Message contains NUL characters", "250 2.0.0 ok",
        ])
        #expect(result.agent.delivered.isEmpty)
        #expect(result.agent.discarded.count == 1)
    }

    @Test(arguments: [
        "hello world\r\n\r\nbody\r\n",
        " leading: space\r\n\r\n",
        "Subject: ok\r\nno colon here\r\n\r\n",
        "Bad\u{7F}Name: x\r\n\r\n",
        "Na\u{E9}me: x\r\n\r\n",
        ": empty name\r\n\r\n",
        "Message-ID:\r\n\r\n",
        "Message-ID:   \r\nSubject: x\r\n\r\n",
        "Subject: x\r\nMessage-ID: \t \r\n",
    ])
    func invalidHeaderRefusesTheMessage(_ message: String) {
        let result = runSession(transaction(message + ".\r\n", recipients: ["alice", "bob"]))
        #expect(replyLines(result, count: 2) == [
            "554 5.6.0 Message contains invalid header", "554 5.6.0 Message contains invalid header",
        ])
        #expect(result.agent.delivered.isEmpty)
        #expect(result.agent.discarded.count == 1)
    }

    @Test func obsoleteSpaceBeforeColonAndContinuationLinesAreFine() {
        let result = runSession(transaction("Subject : x\r\nX-Long: a\r\n\tb\r\n  c\r\n\r\nbody\r\n.\r\n"))
        #expect(result.agent.storedText == addedHeaders() + "Subject : x\nX-Long: a\n\tb\n  c\n\nbody\n")
    }

    @Test func eightBitHeaderValuesAreMungedByDefault() {
        let input = [UInt8](transaction("X-Eight: caf").utf8) + [0xC3, 0xA9]
            + [UInt8]("\r\n\tcontinued \u{FF}\r\n\r\ncaf".utf8) + [0xC3, 0xA9] + [UInt8]("\r\n.\r\n".utf8)
        let result = runSession(input)
        #expect(result.agent.delivered.first?.spool.bytes ==
                [UInt8]((addedHeaders() + "X-Eight: cafXX\n\tcontinued XX\n\ncaf").utf8) + [0xC3, 0xA9, 0x0A])
    }

    @Test func eightBitHeadersRefusedWithReject8bit() {
        var settings = Fixture.settings
        settings.reject8bit = true
        let input = [UInt8](transaction("X-Eight: caf").utf8) + [0xC3, 0xA9] + [UInt8]("\r\n\r\nbody\r\n.\r\n".utf8)
        let result = runSession(input, settings: settings)
        #expect(result.replies.last == "554 5.6.0 Message contains non-ASCII characters in headers")
        #expect(result.agent.delivered.isEmpty)
        // 8-bit in the body is fine even then.
        let body = [UInt8](transaction("\r\ncaf").utf8) + [0xC3, 0xA9] + [UInt8]("\r\n.\r\n".utf8)
        #expect(runSession(body, settings: settings).agent.delivered.count == 1)
    }

    @Test func eightBitHeadersKeptWhenMungingIsOff() {
        var settings = Fixture.settings
        settings.munge8bit = false
        let input = [UInt8](transaction("X-Eight: ").utf8) + [0xC3, 0xA9] + [UInt8]("\r\n\r\n.\r\n".utf8)
        let stored = runSession(input, settings: settings).agent.delivered.first?.spool.bytes
        #expect(stored == [UInt8]((addedHeaders() + "X-Eight: ").utf8) + [0xC3, 0xA9, 0x0A, 0x0A])
    }

    @Test func clientReturnPathIsDropped() {
        let message = "Return-Path: <forged@evil>\r\n\tcontinued\r\nSubject: x\r\nRETURN-PATH:<again>\r\n\r\nReturn-Path: body\r\n.\r\n"
        let result = runSession(transaction(message))
        #expect(result.agent.storedText == addedHeaders() + "Subject: x\n\nReturn-Path: body\n")
    }

    @Test func sizeLimitCountsTheAddedHeaders() {
        let headerSize = addedHeaders().utf8.count
        let body = "\r\n" + String(repeating: "x", count: 98) + "\r\n.\r\n" // stores 1 + 98 + 1 bytes
        var settings = Fixture.settings
        settings.maxMessageSize = headerSize + 100
        let fits = runSession(transaction(body, recipients: ["alice", "bob"]), settings: settings)
        #expect(fits.agent.delivered.first?.spool.size == headerSize + 100)
        #expect(fits.replies.suffix(2).allSatisfy { $0.hasPrefix("250 2.1.5 Success") })

        settings.maxMessageSize = headerSize + 99
        let over = runSession(transaction(body + "MAIL FROM:<a@b>\r\n", recipients: ["alice", "bob"]), settings: settings)
        let expected = "552 5.2.3 Message size (\(headerSize + 100)) exceeds fixed maximum message size (\(headerSize + 99))"
        #expect(Array(over.replies.suffix(3)) == [expected, expected, "250 2.1.0 ok"])
        #expect(over.agent.delivered.isEmpty)
        #expect(over.agent.discarded.count == 1)
    }

    @Test func oversizedMessageIsNotWrittenOut() {
        var settings = Fixture.settings
        settings.maxMessageSize = 1000
        let big = "\r\n" + String(repeating: String(repeating: "y", count: 998) + "\r\n", count: 2000) + ".\r\n"
        let result = runSession(transaction(big), settings: settings)
        #expect(result.replies.last?.hasPrefix("552 5.2.3 Message size (") == true)
        #expect((result.agent.opened.first?.size ?? .max) <= 64 * 1024)
    }

    @Test(arguments: [
        (DeliveryFailure.storageFull, "451 4.3.1 mail system storage has been exceeded"),
        (.temporary("Input/output error"), "451 4.3.0 Input/output error"),
    ] as [(DeliveryFailure, String)])
    func spoolWriteFailureAnswersEveryRecipient(_ failure: DeliveryFailure, _ expected: String) {
        let agent = FakeAgent()
        agent.spoolFailAfter = 70_000
        agent.spoolFailure = failure
        let body = "\r\n" + String(repeating: String(repeating: "z", count: 99) + "\r\n", count: 2000) + ".\r\nNOOP\r\n"
        let result = runSession(transaction(body, recipients: ["alice", "bob"]), agent: agent)
        #expect(Array(result.replies.suffix(3)) == [expected, expected, "250 2.0.0 ok"])
        #expect(agent.delivered.isEmpty)
        #expect(agent.discarded.count == 1)
    }

    @Test(arguments: [
        (DeliveryFailure.storageFull, "451 4.3.1 cannot create temporary file: No space left on device"),
        (.temporary("Permission denied"), "451 4.3.2 cannot create temporary file: Permission denied"),
    ] as [(DeliveryFailure, String)])
    func openSpoolFailureIsOneReplyAndResets(_ failure: DeliveryFailure, _ expected: String) {
        let agent = FakeAgent()
        agent.openFailure = failure
        let result = runSession(transaction("", recipients: ["alice", "bob"]) + "RCPT TO:<carol>\r\n", agent: agent)
        #expect(Array(result.replies.suffix(2)) == [expected, "503 5.5.1 Need MAIL command"])
    }

    @Test(arguments: [[], [1], [3, 5]])
    func clientVanishingMidDataDeliversNothing(_ chunks: [Int]) {
        let result = runSession(transaction("Subject: x\r\n\r\nhalf a mess"), chunkSizes: chunks)
        #expect(result.end == .clientClosed)
        #expect(result.replies.last == "354 go ahead")
        #expect(result.agent.delivered.isEmpty)
        #expect(result.agent.discarded.count == 1)
    }

    @Test(arguments: [
        (StreamError.timedOut, "421 4.4.1 bye idle for too long", SessionEnd.timedOut),
        (.interrupted, "421 4.4.1 bye Interrupted system call", .interrupted),
        (.failed("Connection reset by peer"), "421 4.4.1 bye Connection reset by peer", .failed("Connection reset by peer")),
    ] as [(StreamError, String, SessionEnd)])
    func streamErrorMidDataDiscards(_ error: StreamError, _ reply: String, _ end: SessionEnd) {
        let result = runSession(transaction("\r\nbody\r\n"), endError: error)
        #expect(result.replies.suffix(2) == ["354 go ahead", reply])
        #expect(result.end == end)
        #expect(result.agent.delivered.isEmpty)
        #expect(result.agent.discarded.count == 1)
    }

    @Test func firstErrorWinsAndSizeComesAfterContent() {
        var settings = Fixture.settings
        settings.maxMessageSize = 10
        let result = runSession(transaction("bad header\r\n\r\n\u{0}\r\n.\r\n"), settings: settings)
        #expect(result.replies.last == "554 5.6.0 Message contains invalid header")
    }
}
