import Testing
@testable import LMTP

@Suite("Simple commands and bad command lines")
struct CommandTests {
    @Test func noopRsetVrfyQuit() {
        let result = runSession("NOOP\r\nVRFY alice\r\nRSET\r\nQUIT\r\nNOOP\r\n")
        #expect(result.replies == [
            "250 2.0.0 ok",
            "252 2.3.3 try RCPT to attempt delivery",
            "250 2.0.0 Ok SESSIONID=<\(Fixture.id(2))>",
            "221 2.0.0 bye",
        ])
        #expect(result.end == .quit)
    }

    @Test func commandsAreCaseInsensitiveAndAcceptBareLF() {
        let result = runSession("noop\nNoOp\r\nqUiT\n")
        #expect(result.replies == ["250 2.0.0 ok", "250 2.0.0 ok", "221 2.0.0 bye"])
    }

    @Test(arguments: [
        "NOOP ", "DATA ", "RSET x", "QUIT now", "VRFY", "EHLO x", "HELO x", "FOO bar", "", "HELP",
        "EXPN x", "BDAT", "BDATA 1", "AUTH", "AUTH PLAIN", "STARTTLS", "RCPT", "XCLIENT a=b", " NOOP",
    ])
    func syntaxErrors(_ line: String) {
        let result = runSession(line + "\r\nNOOP\r\n")
        #expect(result.replies == ["500 5.5.2 Syntax error", "250 2.0.0 ok"])
    }

    @Test func mailWithoutSpaceIsASyntaxError() {
        #expect(runSession("MAIL\r\nMOO\r\n").replies == ["500 5.5.2 Syntax error", "500 5.5.2 Syntax error"])
    }

    @Test func nulInACommandIsASyntaxErrorNotATruncation() {
        let result = runSession([UInt8]("NOOP".utf8) + [0] + [UInt8]("junk\r\nNOOP\r\n".utf8))
        #expect(result.replies == ["500 5.5.2 Syntax error", "250 2.0.0 ok"])
        let quit = runSession([UInt8]("QUIT".utf8) + [0] + [UInt8]("\r\n".utf8))
        #expect(quit.end == .clientClosed)
    }

    @Test func binaryAndInvalidUTF8LinesGetSyntaxErrors() {
        let garbage: [[UInt8]] = [
            [0xFF, 0xFE, 0xFD], [0xC3, 0x28], [0x80], [0x1B, 0x5B, 0x32, 0x4A], [0x0D, 0x0D],
            [UInt8]("MAIL FROM:<".utf8) + [0xF0, 0x28, 0x8C, 0x28] + [UInt8](">".utf8),
            [UInt8]("LHLO ".utf8) + [0xE2, 0x82],
        ]
        var input: [UInt8] = []
        for line in garbage { input += line + [0x0D, 0x0A] }
        let result = runSession(input + [UInt8]("NOOP\r\n".utf8))
        #expect(result.replies.count == 5 + 1 + 10 + 1)
        #expect(result.replies.last == "250 2.0.0 ok")
        #expect(result.replies.allSatisfy { $0.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } })
        #expect(result.replies.contains("501 5.5.4 Syntax error in parameters"))
    }

    @Test func commandLineLimitIs4096BytesIncludingTheLineEnd() {
        let fits = "VRFY " + String(repeating: "a", count: 4096 - 5 - 2) + "\r\n"
        let tooLong = "VRFY " + String(repeating: "a", count: 4096 - 5 - 1) + "\r\n"
        let bareLF = "VRFY " + String(repeating: "a", count: 4096 - 5 - 1) + "\n"
        #expect(runSession(fits).replies == ["252 2.3.3 try RCPT to attempt delivery"])
        #expect(runSession(tooLong).replies == ["500 5.5.2 Line too long"])
        #expect(runSession(bareLF).replies == ["252 2.3.3 try RCPT to attempt delivery"])
    }

    @Test(arguments: [[], [1], [7, 4095, 3], [4096], [5000]])
    func overLongLineIsAnsweredOnceAndTheSessionGoesOn(_ chunks: [Int]) {
        let long = "MAIL FROM:<" + String(repeating: "a", count: 10_000) + "@example.org>\r\n"
        let result = runSession(long + "MAIL FROM:<a@b>\r\nNOOP\r\n", chunkSizes: chunks)
        #expect(result.replies == ["500 5.5.2 Line too long", "250 2.1.0 ok", "250 2.0.0 ok"])
    }

    @Test func overLongLineAtEndOfInputEndsQuietly() {
        let result = runSession(String(repeating: "x", count: 100_000))
        #expect(result.replies.isEmpty)
        #expect(result.end == .clientClosed)
    }

    @Test func unterminatedLastLineIsNotExecuted() {
        let result = runSession("NOOP\r\nQUIT")
        #expect(result.replies == ["250 2.0.0 ok"])
        #expect(result.end == .clientClosed)
    }

    @Test func lhloNameIsSanitisedAndBounded() {
        let name = [UInt8]("LHLO ".utf8) + [0x0D] + [UInt8]("X-Evil: 1".utf8) + [0xC3, 0xA9]
            + [UInt8](repeating: 0x61, count: 400)
        let input = name + [UInt8]("\r\nMAIL FROM:<a@b>\r\nRCPT TO:<bob>\r\nDATA\r\n\r\nhi\r\n.\r\n".utf8)
        let result = runSession(input)
        let stored = result.agent.storedText ?? ""
        let expectedName = "?X-Evil: 1??" + String(repeating: "a", count: 249 - 12)
        #expect(stored.contains("Received: from \(expectedName) ([unix socket])\n"))
    }
}
