import Logging
@testable import LMTP
import LMTPTesting

/// A session as a TCP client without `-a` sees it, with `authenticator` (and optionally TLS).
func runAuthSession(_ input: String, authenticator: FakeAuthenticator? = FakeAuthenticator(),
                    settings: LMTPSettings = untrustedSettings, tls: FakeTLSUpgrader? = nil,
                    chunkSizes: [Int] = []) -> SessionResult {
    let logs = LogRecorder()
    let logger = Logger(label: "test") { _ in RecordingLogHandler(recorder: logs) }
    let agent = FakeAgent()
    let session = LMTPSession(settings: settings, client: .inet(address: "192.0.2.9", hostname: nil), agent: agent,
                              logger: logger, sessionIDs: Fixture.generator(), clock: Fixture.clock)
    session.authenticator = authenticator
    let source = ChunkedInput(Array(input.utf8), chunkSizes: chunkSizes)
    let output = RecordingOutput()
    tls?.plainOutput = output
    let end = session.run(input: source, output: output, tls: tls)
    return SessionResult(end: end, output: output, agent: agent, input: source, logs: logs)
}

/// `AUTH PLAIN` initial response for `user`/`password`.
func plainResponse(_ user: String, _ password: String) -> String {
    Base64.encode(Array("\0\(user)\0\(password)".utf8))
}
