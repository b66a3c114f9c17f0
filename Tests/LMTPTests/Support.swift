import Logging
import Synchronization
import Testing
@testable import LMTP

// MARK: in-memory streams

/// Input served in chunks of the given sizes (cycled; empty = everything at once), then end of
/// stream or `endError`.
final class ChunkedInput: ByteInput {
    private let data: [UInt8]
    private var position = 0
    private let chunkSizes: [Int]
    private var chunkIndex = 0
    let endError: StreamError?
    private(set) var reads = 0
    /// Called before each read (to look at the engine's side effects between reads).
    var beforeRead: (() -> Void)?

    init(_ data: [UInt8], chunkSizes: [Int] = [], endError: StreamError? = nil) {
        self.data = data
        self.chunkSizes = chunkSizes.filter { $0 > 0 }
        self.endError = endError
    }

    convenience init(_ text: String, chunkSizes: [Int] = [], endError: StreamError? = nil) {
        self.init(Array(text.utf8), chunkSizes: chunkSizes, endError: endError)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        reads += 1
        beforeRead?()
        if position == data.count {
            if let endError { throw endError }
            return 0
        }
        var n = data.count - position
        if !chunkSizes.isEmpty {
            n = min(n, chunkSizes[chunkIndex % chunkSizes.count])
            chunkIndex += 1
        }
        n = min(n, buffer.count)
        for i in 0..<n { buffer[i] = data[position + i] }
        position += n
        return n
    }
}

/// Records every write call.
final class RecordingOutput: ByteOutput {
    private(set) var writes: [[UInt8]] = []
    var failure: StreamError?

    func write(_ bytes: UnsafeRawBufferPointer) throws(StreamError) {
        if let failure { throw failure }
        writes.append(Array(bytes))
    }

    var text: String { String(decoding: writes.joined(), as: UTF8.self) }

    /// Reply lines without CRLF (asserts every line ends in CRLF).
    var lines: [String] {
        var all = Array(writes.joined())
        guard !all.isEmpty else { return [] }
        #expect(all.suffix(2) == [0x0D, 0x0A], "output does not end in CRLF")
        all.removeLast(Swift.min(2, all.count))
        return String(decoding: all, as: UTF8.self).components(separatedBy: "\r\n")
    }
}

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

// MARK: a fake delivery agent

final class FakeSpool: MessageSpool {
    private(set) var bytes: [UInt8] = []
    private(set) var writeCalls = 0
    /// Fail every write once this many bytes were written.
    var failAfter: Int?
    var failure: DeliveryFailure = .storageFull

    func write(_ chunk: UnsafeRawBufferPointer) throws(DeliveryFailure) {
        writeCalls += 1
        if let failAfter, bytes.count + chunk.count > failAfter { throw failure }
        bytes.append(contentsOf: chunk)
    }

    var size: Int { bytes.count }
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

final class FakeAgent: DeliveryAgent {
    /// RCPT verdicts by user; users not listed are accepted.
    var verdicts: [String: DeliveryFailure] = [:]
    /// Delivery results by user; users not listed succeed.
    var deliveryFailures: [String: DeliveryFailure] = [:]
    var openFailure: DeliveryFailure?
    var spoolFailAfter: Int?
    var spoolFailure: DeliveryFailure = .storageFull

    private(set) var verified: [(recipient: Recipient, sizeHint: Int?)] = []
    private(set) var opened: [FakeSpool] = []
    private(set) var delivered: [(spool: FakeSpool, envelope: Envelope, recipients: [Recipient])] = []
    /// What each delivery was handed as resolved at RCPT (the `verify` call's number).
    private(set) var deliveredResolutions: [[Int]] = []
    private(set) var discarded: [FakeSpool] = []

    /// RCPT: the number of this `verify` call stands for what a real agent resolves.
    func verify(_ recipient: Recipient, sizeHint: Int?) -> Result<Int, DeliveryFailure> {
        verified.append((recipient, sizeHint))
        if let failure = verdicts[recipient.user] { return .failure(failure) }
        return .success(verified.count)
    }

    func openSpool(for recipients: [AcceptedRecipient<Int>]) throws(DeliveryFailure) -> FakeSpool {
        if let openFailure { throw openFailure }
        let spool = FakeSpool()
        spool.failAfter = spoolFailAfter
        spool.failure = spoolFailure
        opened.append(spool)
        return spool
    }

    func deliver(_ spool: FakeSpool, envelope: Envelope, to accepted: [AcceptedRecipient<Int>]) -> [Result<Void, DeliveryFailure>] {
        let recipients = accepted.map(\.recipient)
        delivered.append((spool, envelope, recipients))
        deliveredResolutions.append(accepted.map(\.resolved))
        return recipients.map { recipient in
            if let failure = deliveryFailures[recipient.user] { return .failure(failure) }
            return .success(())
        }
    }

    func discard(_ spool: FakeSpool) {
        discarded.append(spool)
    }

    /// The stored bytes of the only delivered message.
    var storedText: String? {
        delivered.count == 1 ? delivered[0].spool.text : nil
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

    var lines: [String] { output.lines }
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
                  sessionID: String = Fixture.id(2), client: String = "[unix socket]") -> String {
    "Return-Path: <\(sender)>\nReceived: from \(lhlo) (\(client))\n"
        + "\tby localhost (CyrusDelivery 1.2.3) with LMTPA id \(sessionID);\n\t\(Fixture.date)\n"
}

let unknownUser = [
    "550-Mailbox unknown.  Either there is no mailbox associated with this",
    "550-name or you do not have authorization to see it.",
    "550 5.1.1 User unknown",
]
