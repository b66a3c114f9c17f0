import Testing
@testable import LMTP

/// A small deterministic generator (SplitMix64), so failures can be replayed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Robustness")
struct RobustnessTests {
    @Test(arguments: [
        (StreamError.timedOut, "421 4.4.1 bye idle for too long", SessionEnd.timedOut),
        (.interrupted, "421 4.4.1 bye Interrupted system call", .interrupted),
        (.failed("Bad file descriptor"), "421 4.4.1 bye Bad file descriptor", .failed("Bad file descriptor")),
    ] as [(StreamError, String, SessionEnd)])
    func readErrorsWhileWaitingForACommand(_ error: StreamError, _ reply: String, _ end: SessionEnd) {
        let result = runSession("NOOP\r\nMAIL FROM:<a@b>\r\n", endError: error)
        #expect(result.replies == ["250 2.0.0 ok", "250 2.1.0 ok", reply])
        #expect(result.end == end)
        // greeting; the replies, flushed before waiting; the 421
        #expect(result.output.writes.count == 3)
    }

    @Test func endOfInputIsSilent() {
        let result = runSession("NOOP\r\n")
        #expect(result.replies == ["250 2.0.0 ok"])
        #expect(result.end == .clientClosed)
    }

    @Test func sessionEndIsLogged() {
        let result = runSession("QUIT\r\n")
        #expect(result.logs.messages.contains { $0.message == "session ended" && $0.metadata["end"] == "quit" })
    }

    @Test func aSessionObjectCanServeConnectionsOneAfterAnother() {
        let agent = FakeAgent()
        let logs = LogRecorder()
        let session = LMTPSession(settings: Fixture.settings, client: .unixSocket, agent: agent,
                                  logger: .init(label: "t") { _ in RecordingLogHandler(recorder: logs) },
                                  sessionIDs: Fixture.generator(), clock: Fixture.clock)
        let first = RecordingOutput()
        _ = session.run(input: ChunkedInput("MAIL FROM:<a@b>\r\nRCPT TO:<x>\r\n"), output: first)
        let second = RecordingOutput()
        _ = session.run(input: ChunkedInput("RCPT TO:<x>\r\nDATA\r\n"), output: second)
        #expect(Array(second.lines.dropFirst()) == ["503 5.5.1 Need MAIL command", "503 5.5.1 No recipients"])
    }

    /// Random bytes, random command-like lines and random chunkings: the engine must never
    /// trap or hang, and every reply line must be `ddd` + space or dash (+ text) + CRLF.
    @Test(arguments: 0..<150)
    func randomInputNeverBreaksTheProtocol(_ seed: Int) {
        var rng = SeededRandom(state: UInt64(seed) &* 7919 &+ 1)
        let fragments = [
            "LHLO x\r\n", "MAIL FROM:<a@b>\r\n", "RCPT TO:<alice>\r\n", "RCPT TO:<../x>\r\n", "DATA\r\n",
            ".\r\n", "..\r\n", "\r\n", "\n", "\r", ".", "Subject: y\r\n", "RSET\r\n", "NOOP\r\n",
            "MAIL FROM:<a@b> SIZE=9 BODY=8BITMIME AUTH=x+2B\r\n", "RCPT TO:<\"q\"@h> IGNOREQUOTA\r\n",
            "Message-ID:\r\n", "Return-Path: <z>\r\n", "\u{0}", "VRFY\r\n", "AUTH PLAIN\r\n",
        ]
        var input: [UInt8] = []
        let pieces = Int.random(in: 1...200, using: &rng)
        for _ in 0..<pieces {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                let count = Int.random(in: 1...64, using: &rng)
                for _ in 0..<count { input.append(UInt8.random(in: 0...255, using: &rng)) }
            case 1:
                input += Array(String(repeating: "A", count: Int.random(in: 1...6000, using: &rng)).utf8)
            default:
                input += Array(fragments[Int.random(in: 0..<fragments.count, using: &rng)].utf8)
            }
        }
        let chunks = (0..<5).map { _ in Int.random(in: 1...(seed % 2 == 0 ? 16 : 9000), using: &rng) }
        var settings = Fixture.settings
        settings.maxMessageSize = seed % 3 == 0 ? 300 : 0
        settings.strictRFC2821 = seed % 2 == 0
        settings.reject8bit = seed % 5 == 0
        let agent = FakeAgent()
        if seed % 4 == 0 { agent.spoolFailAfter = 10 }
        let result = runSession(input, settings: settings, agent: agent, chunkSizes: chunks,
                                endError: seed % 7 == 0 ? .timedOut : nil)
        #expect(result.end != .quit || input.count > 0)
        let output = Array(result.output.writes.joined())
        #expect(output.isEmpty || output.suffix(2) == [0x0D, 0x0A])
        for line in result.lines {
            let bytes = Array(line.utf8)
            #expect(bytes.count >= 4, "short reply line \(line)")
            guard bytes.count >= 4 else { continue }
            #expect(bytes[0...2].allSatisfy(Bytes.isDigit), "bad code in \(line)")
            #expect(bytes[3] == 0x20 || bytes[3] == 0x2D, "bad separator in \(line)")
            #expect(bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "unprintable reply \(line)")
        }
        // Every delivery or discard closes the spool it opened.
        #expect(agent.delivered.count + agent.discarded.count == agent.opened.count)
    }
}
