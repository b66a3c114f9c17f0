import Logging
import Testing
@testable import LMTP

/// Input that behaves like the server's descriptor input under a shutdown request: once
/// `requestAfter` bytes were handed out the request is on, and `.shuttingDown` is thrown at the
/// first read the engine makes between commands (never inside a message body).
final class ShutdownInput: ByteInput {
    private let data: [UInt8]
    private let chunk: Int
    private let requestAfter: Int
    private var position = 0
    var isBetweenCommands: () -> Bool = { true }
    private(set) var readsInsideMessage = 0

    init(_ text: String, chunk: Int, requestAfter: Int) {
        data = Array(text.utf8)
        self.chunk = chunk
        self.requestAfter = requestAfter
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        if !isBetweenCommands() { readsInsideMessage += 1 }
        if position >= requestAfter && isBetweenCommands() { throw .shuttingDown }
        let n = min(chunk, buffer.count, data.count - position)
        for i in 0..<n { buffer[i] = data[position + i] }
        position += n
        return n
    }
}

@Suite("Shutdown")
struct ShutdownTests {
    @Test("a shutdown while waiting for a command: the pending replies, then 421 4.3.2, session over")
    func whileWaitingForACommand() {
        let result = runSession("NOOP\r\nMAIL FROM:<a@b>\r\n", endError: .shuttingDown)
        #expect(result.replies == ["250 2.0.0 ok", "250 2.1.0 ok", "421 4.3.2 bye server shutting down"])
        #expect(result.end == .shuttingDown)
    }

    @Test("a shutdown requested inside DATA waits for the final dot: delivered, 250, then 421",
          arguments: [1, 7, 4096])
    func insideData(_ chunk: Int) {
        let agent = FakeAgent()
        let session = LMTPSession(settings: Fixture.settings, client: .unixSocket, agent: agent,
                                  logger: Logger(label: "test"), sessionIDs: Fixture.generator(), clock: Fixture.clock)
        let script = "MAIL FROM:<a@b>\r\nRCPT TO:<alice>\r\nDATA\r\n"
        let body = "Subject: s\r\n\r\nline one\r\nline two\r\n.\r\n"
        let input = ShutdownInput(script + body, chunk: chunk, requestAfter: script.utf8.count + 3)
        input.isBetweenCommands = { !session.isReceivingMessage }
        let output = RecordingOutput()
        let end = session.run(input: input, output: output)
        #expect(end == .shuttingDown)
        #expect(Array(output.lines.dropFirst()) == [
            "250 2.1.0 ok", "250 2.1.5 ok", "354 go ahead",
            "250 2.1.5 Success SESSIONID=<\(Fixture.id(1))>", "421 4.3.2 bye server shutting down",
        ])
        #expect(agent.delivered.count == 1)
        #expect(agent.storedText?.hasSuffix("line one\nline two\n") == true)
        if chunk < body.utf8.count {
            #expect(input.readsInsideMessage > 0, "the request came while the body was being read")
        }
        #expect(!session.isReceivingMessage)
    }
}
