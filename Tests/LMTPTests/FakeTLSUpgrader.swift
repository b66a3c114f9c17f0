import Logging
@testable import LMTP

/// A TLS upgrader without TLS: the "encrypted" side is a second in-memory stream pair, so the
/// engine's STARTTLS logic can be tested byte for byte.
final class FakeTLSUpgrader: TLSUpgrader {
    var isAvailable = true
    var prepareFailure: TLSFailure?
    var upgradeFailure: TLSFailure?
    var peerIdentity: String?
    /// What the client sends once TLS is up.
    let tlsInput: ChunkedInput
    let tlsOutput = RecordingOutput()
    private(set) var prepared = 0
    private(set) var upgrades = 0
    /// The plain output's lines at the moment of the handshake (the `220` must be written).
    private(set) var plainLinesAtHandshake: [String] = []
    /// The plain output, set by the test harness.
    var plainOutput: RecordingOutput?

    init(afterTLS: String, chunkSizes: [Int] = []) {
        tlsInput = ChunkedInput(afterTLS, chunkSizes: chunkSizes)
    }

    func prepare() -> Result<Void, TLSFailure> {
        prepared += 1
        if let prepareFailure { return .failure(prepareFailure) }
        return .success(())
    }

    func upgrade() -> Result<TLSUpgrade, TLSFailure> {
        upgrades += 1
        plainLinesAtHandshake = plainOutput?.lines ?? []
        if let upgradeFailure { return .failure(upgradeFailure) }
        return .success(TLSUpgrade(
            input: tlsInput, output: tlsOutput, peerIdentity: peerIdentity,
            receivedComment: "version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256 verify=\(peerIdentity == nil ? "NO" : "YES")",
            logLine: "starttls: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits new) no authentication"))
    }
}

/// Everything a session with STARTTLS did, on both sides of the handshake.
struct TLSSessionResult {
    let end: SessionEnd
    let plain: RecordingOutput
    let upgrader: FakeTLSUpgrader?
    let agent: FakeAgent
    let logs: LogRecorder

    /// Plain-text reply lines after the greeting.
    var plainReplies: [String] { Array(plain.lines.dropFirst()) }
    /// Reply lines sent over "TLS".
    var tlsReplies: [String] { upgrader?.tlsOutput.lines ?? [] }
}

/// Settings of a TCP session without `-a`: STARTTLS is offered there.
var untrustedSettings: LMTPSettings {
    var settings = Fixture.settings
    settings.preauthenticated = false
    return settings
}

/// Runs a session whose plain input is `plain` and whose input after the handshake is
/// `afterTLS`. `beforeRead` runs before each plain read (with the session, to simulate state).
func runTLSSession(_ plain: String, afterTLS: String = "", settings: LMTPSettings = untrustedSettings,
                   upgrader: FakeTLSUpgrader? = nil, withoutTLS: Bool = false, chunkSizes: [Int] = [],
                   beforeRead: ((LMTPSession<FakeAgent>, Int) -> Void)? = nil) -> TLSSessionResult {
    let logs = LogRecorder()
    let logger = Logger(label: "test") { _ in RecordingLogHandler(recorder: logs) }
    let agent = FakeAgent()
    let session = LMTPSession(settings: settings, client: .inet(address: "192.0.2.9", hostname: nil), agent: agent,
                              logger: logger, sessionIDs: Fixture.generator(), clock: Fixture.clock)
    let input = ChunkedInput(plain, chunkSizes: chunkSizes)
    if let beforeRead {
        input.beforeRead = { [unowned session, unowned input] in beforeRead(session, input.reads) }
    }
    let output = RecordingOutput()
    let tls = withoutTLS ? nil : upgrader ?? FakeTLSUpgrader(afterTLS: afterTLS)
    tls?.plainOutput = output
    let end = session.run(input: input, output: output, tls: tls)
    return TLSSessionResult(end: end, plain: output, upgrader: tls, agent: agent, logs: logs)
}
