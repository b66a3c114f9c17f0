import Glibc
import LMTP
import Logging
import SASL

/// LMTP AUTH: libsasl2 once per process, an authenticator per connection.
extension LMTPService {
    /// `sasl_server_init` with this service's `sasl_*` options (Cyrus's `service_init`). A
    /// failure is logged; connections then get no AUTH (trusted ones still deliver).
    static func startSASL(_ configuration: SASLConfiguration, logger: Logger) {
        let result = SASLLibrary.start(options: configuration.options) { level, message in
            switch level {
            case .error: logger.error("SASL: \(message)")
            case .failure, .warning: logger.notice("SASL: \(message)")
            case .note: logger.info("SASL: \(message)")
            case .debug, .trace, .password: logger.debug("SASL: \(message)")
            }
        }
        if case .failure(let error) = result {
            logger.error("SASL failed initializing: sasl_server_init(): \(error.detail)")
        }
    }

    func authenticator(fd: Int32, preauthorized: Bool, logger: Logger) -> SASLAuthenticator? {
        guard SASLLibrary.isReady else { return nil }
        return SASLAuthenticator.make(configuration: configuration.sasl, fd: fd, preauthorized: preauthorized, logger: logger)
    }
}
