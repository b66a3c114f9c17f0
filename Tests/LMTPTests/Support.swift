import Logging
import Synchronization
import Testing
@testable import LMTP
import LMTPTesting

// MARK: in-memory streams and a fake delivery agent (shared with the fuzz targets)

typealias ChunkedInput = LMTPTesting.ChunkedInput
typealias RecordingOutput = LMTPTesting.RecordingOutput
typealias FakeSpool = LMTPTesting.FakeSpool
typealias FakeAgent = LMTPTesting.FakeAgent
typealias FakeAuthenticator = LMTPTesting.FakeAuthenticator

extension String {
    /// Splits on a separator string (no Foundation).
    func components(separatedBy separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}

// MARK: log capture

final class LogRecorder: Sendable {
    private let stored = Mutex<[(Logger.Level, String, Logger.Metadata)]>([])

    func append(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
        stored.withLock { $0.append((level, message, metadata)) }
    }

    var messages: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] {
        stored.withLock { $0.map { ($0.0, $0.1, $0.2) } }
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        recorder.append(event.level, "\(event.message)", merged)
    }
}

// MARK: running a session

/// Fixed parts used by every test session.
enum Fixture {
    static let time: Int64 = 1_795_550_421
    static let date = "Tue, 24 Nov 2026 20:00:21 +0000"
    static let pid: Int64 = 5740
    static let random: UInt64 = 14_506_538_642_869_966_729

    /// The n-th session id a fresh generator makes (1-based).
    static func id(_ n: Int, prefix: String = "localhost") -> String {
        "\(prefix)-\(time)-\(pid)-\(n)-\(random)"
    }

    static func generator() -> SessionIDGenerator {
        SessionIDGenerator(processID: pid, unixTime: { time }, random: { random })
    }

    static let clock = WallClock.fixed(LocalTime(unixTime: time, utcOffsetSeconds: 0))

    static var settings: LMTPSettings {
        LMTPSettings(servername: "localhost", version: "1.2.3", maxMessageSize: 1_048_576, preauthenticated: true)
    }
}

struct SessionResult {
    let end: SessionEnd
    let output: RecordingOutput
    let agent: FakeAgent
    let input: ChunkedInput
    let logs: LogRecorder

    /// Reply lines without CRLF (expects the output to end in CRLF).
    var lines: [String] {
        let bytes = output.bytes
        #expect(bytes.isEmpty || bytes.suffix(2) == [0x0D, 0x0A], "output does not end in CRLF")
        return output.lines
    }
    /// Lines after the greeting.
    var replies: [String] { Array(lines.dropFirst()) }
}

/// Runs a session over `input` and returns everything it did.
func runSession(
    _ input: [UInt8],
    settings: LMTPSettings = Fixture.settings,
    client: ClientInfo = .unixSocket,
    agent: FakeAgent = FakeAgent(),
    chunkSizes: [Int] = [],
    endError: StreamError? = nil,
    generator: SessionIDGenerator = Fixture.generator()
) -> SessionResult {
    let logs = LogRecorder()
    let logger = Logger(label: "test") { _ in RecordingLogHandler(recorder: logs) }
    let session = LMTPSession(settings: settings, client: client, agent: agent, logger: logger,
                              sessionIDs: generator, clock: Fixture.clock)
    let source = ChunkedInput(input, chunkSizes: chunkSizes, endError: endError)
    let output = RecordingOutput()
    let end = session.run(input: source, output: output)
    return SessionResult(end: end, output: output, agent: agent, input: source, logs: logs)
}

func runSession(
    _ input: String,
    settings: LMTPSettings = Fixture.settings,
    client: ClientInfo = .unixSocket,
    agent: FakeAgent = FakeAgent(),
    chunkSizes: [Int] = [],
    endError: StreamError? = nil
) -> SessionResult {
    runSession(Array(input.utf8), settings: settings, client: client, agent: agent,
               chunkSizes: chunkSizes, endError: endError)
}

/// Converts `\n` to CRLF in a script (for readable tests).
func crlf(_ text: String) -> String {
    var out = ""
    for character in text {
        if character == "\n" { out += "\r\n" } else { out.append(character) }
    }
    return out
}

/// The header block the engine writes for a unix-socket, pre-authenticated session.
func addedHeaders(sender: String = "sender@example.org", lhlo: String = "client.example",
                  sessionID: String = Fixture.id(2), client: String = "[unix socket]", with protocolName: String = "LMTPA") -> String {
    "Return-Path: <\(sender)>\nReceived: from \(lhlo) (\(client))\n"
        + "\tby localhost (CyrusDelivery 1.2.3) with \(protocolName) id \(sessionID);\n\t\(Fixture.date)\n"
}

let unknownUser = [
    "550-Mailbox unknown.  Either there is no mailbox associated with this",
    "550-name or you do not have authorization to see it.",
    "550 5.1.1 User unknown",
]
