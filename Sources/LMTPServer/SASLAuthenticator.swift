import Glibc
import LMTP
import Logging
import SASL

/// The engine's `Authenticator` on libsasl2, set up per connection as Cyrus's lmtpd does:
/// a pre-authorized connection (unix socket, or `-a`) offers only `EXTERNAL`, with the
/// external identity `postman` and SSF 2; any other connection offers what libsasl allows for
/// the configured `sasl_*` options, `allowplaintext` and `sasl_minimum_layer`. After a failed or
/// cancelled exchange the SASL state is made afresh (Cyrus's `reset_saslconn()`).
final class SASLAuthenticator: Authenticator {
    private let server: SASLServer
    private let configuration: SASLConfiguration
    /// How a pause is taken (tests do not sleep).
    private let sleeper: (Int) -> Void

    /// The authenticator for a connection on `fd`, or nil (logged) if libsasl cannot serve it.
    static func make(configuration: SASLConfiguration, fd: Int32, preauthorized: Bool, logger: Logger) -> SASLAuthenticator? {
        let endpoints = SocketEndpoints.describe(fd: fd)
        do {
            let server = try SASLServer(
                service: SASLConfiguration.serviceName, serverFQDN: configuration.serverFQDN,
                localAddress: preauthorized ? nil : endpoints.local, remoteAddress: preauthorized ? nil : endpoints.remote,
                options: configuration.options, policy: configuration.policy,
                forcedMechanisms: preauthorized ? "EXTERNAL" : nil)
            if preauthorized {
                server.setExternal(ssf: 2, authID: SASLConfiguration.preauthorizedIdentity)
            }
            return SASLAuthenticator(server: server, configuration: configuration)
        } catch {
            logger.error("SASL failed initializing: sasl_server_new(): \(error.detail)")
            return nil
        }
    }

    init(server: SASLServer, configuration: SASLConfiguration, sleeper: @escaping (Int) -> Void = { _ = sleep(UInt32($0)) }) {
        self.server = server
        self.configuration = configuration
        self.sleeper = sleeper
    }

    func mechanisms() -> [String] {
        server.mechanisms().map { $0.uppercased() }
    }

    func start(mechanism: String, initialResponse: [UInt8]?) -> AuthStep {
        settle(server.start(mechanism: mechanism, initialResponse: initialResponse))
    }

    func step(response: [UInt8]) -> AuthStep {
        settle(server.step(response))
    }

    func cancel() {
        server.reset()
    }

    func pause(afterFailures count: Int) {
        let seconds = configuration.pause(afterFailures: count)
        if seconds > 0 { sleeper(seconds) }
    }

    func securityLayerEstablished(ssf: Int, authID: String?) {
        server.reset()
        server.setExternal(ssf: ssf, authID: authID)
    }

    /// Maps libsasl's answer; a failed exchange leaves a fresh SASL state behind.
    private func settle(_ step: SASLStep) -> AuthStep {
        switch step {
        case .challenge(let bytes):
            return .challenge(bytes)
        case .success(let username, let ssf):
            return .success(identity: username, securityStrength: ssf)
        case .failure(let error):
            server.reset()
            return .failure(Self.failure(error.kind), detail: error.detail)
        }
    }

    static func failure(_ kind: SASLError.Kind) -> AuthFailure {
        switch kind {
        case .noMechanism: return .unknownMechanism
        case .badCredentials, .badProtocol: return .invalidCredentials
        case .tooWeak: return .mechanismTooWeak
        case .encryptionRequired: return .encryptionRequired
        case .temporary: return .temporary
        }
    }
}
