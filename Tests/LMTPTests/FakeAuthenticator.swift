import Logging
@testable import LMTP

/// A scripted authenticator: PLAIN (`\0user\0password`, one step, or an empty challenge first),
/// LOGIN (two challenges), EXTERNAL (always `postman`), and mechanisms that fail on purpose.
final class FakeAuthenticator: Authenticator {
    var offered = ["PLAIN", "LOGIN", "EXTERNAL", "TEMPFAIL", "WEAK", "CLEARTEXT"]
    var users = ["alice": "secret"]
    private(set) var starts: [(mechanism: String, initialResponse: [UInt8]?)] = []
    private(set) var responses: [[UInt8]] = []
    private(set) var cancels = 0
    private(set) var pauses: [Int] = []
    private(set) var layers: [(ssf: Int, authID: String?)] = []
    private var mechanism: String?
    private var loginUser: String?

    func mechanisms() -> [String] { offered }

    func start(mechanism: String, initialResponse: [UInt8]?) -> AuthStep {
        starts.append((mechanism, initialResponse))
        self.mechanism = mechanism
        guard offered.contains(mechanism) else { return finish(.failure(.unknownMechanism, detail: "not offered")) }
        switch mechanism {
        case "PLAIN":
            guard let initialResponse else { return .challenge([]) }
            return plain(initialResponse)
        case "LOGIN":
            return .challenge(Array("Username:".utf8))
        case "EXTERNAL":
            return finish(.success(identity: "postman", securityStrength: 0))
        case "TEMPFAIL":
            return finish(.failure(.temporary, detail: "database unavailable"))
        case "WEAK":
            return finish(.failure(.mechanismTooWeak, detail: "too weak"))
        case "CLEARTEXT":
            return finish(.failure(.encryptionRequired, detail: "encryption needed"))
        default:
            return finish(.failure(.unknownMechanism, detail: "no such mechanism"))
        }
    }

    func step(response: [UInt8]) -> AuthStep {
        responses.append(response)
        switch mechanism {
        case "PLAIN":
            return plain(response)
        case "LOGIN" where loginUser == nil:
            loginUser = String(decoding: response, as: UTF8.self)
            return .challenge(Array("Password:".utf8))
        case "LOGIN":
            let user = loginUser ?? ""
            return check(user, String(decoding: response, as: UTF8.self))
        default:
            return finish(.failure(.invalidCredentials, detail: "unexpected step"))
        }
    }

    func cancel() {
        cancels += 1
        mechanism = nil
        loginUser = nil
    }

    func pause(afterFailures count: Int) { pauses.append(count) }

    func securityLayerEstablished(ssf: Int, authID: String?) { layers.append((ssf, authID)) }

    private func plain(_ message: [UInt8]) -> AuthStep {
        let parts = message.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard parts.count == 3 else { return finish(.failure(.invalidCredentials, detail: "malformed PLAIN")) }
        return check(parts[1], parts[2])
    }

    private func check(_ user: String, _ password: String) -> AuthStep {
        users[user] == password
            ? finish(.success(identity: user, securityStrength: 0))
            : finish(.failure(.invalidCredentials, detail: "Password verification failed"))
    }

    private func finish(_ step: AuthStep) -> AuthStep {
        mechanism = nil
        loginUser = nil
        return step
    }
}

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
