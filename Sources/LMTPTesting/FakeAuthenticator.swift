import LMTP

/// A scripted authenticator: PLAIN (`\0user\0password`, one step, or an empty challenge first),
/// LOGIN (two challenges), EXTERNAL (always `postman`), and mechanisms that fail on purpose.
public final class FakeAuthenticator: Authenticator {
    public init() {}

    /// The mechanisms offered.
    public var offered = ["PLAIN", "LOGIN", "EXTERNAL", "TEMPFAIL", "WEAK", "CLEARTEXT"]
    /// Passwords by user.
    public var users = ["alice": "secret"]
    /// Every `start` call.
    public private(set) var starts: [(mechanism: String, initialResponse: [UInt8]?)] = []
    /// Every decoded response passed to `step`.
    public private(set) var responses: [[UInt8]] = []
    /// Number of `cancel` calls.
    public private(set) var cancels = 0
    /// The failure counts `pause` was called with.
    public private(set) var pauses: [Int] = []
    /// Every `securityLayerEstablished` call.
    public private(set) var layers: [(ssf: Int, authID: String?)] = []
    private var mechanism: String?
    private var loginUser: String?

    public func mechanisms() -> [String] { offered }

    public func start(mechanism: String, initialResponse: [UInt8]?) -> AuthStep {
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

    public func step(response: [UInt8]) -> AuthStep {
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

    public func cancel() {
        cancels += 1
        mechanism = nil
        loginUser = nil
    }

    public func pause(afterFailures count: Int) { pauses.append(count) }

    public func securityLayerEstablished(ssf: Int, authID: String?) { layers.append((ssf, authID)) }

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
