import Glibc
import LMTP
import Logging
import SASL

/// LMTP AUTH: libsasl2 once per process, an authenticator per connection.
extension LMTPService {
    /// `sasl_server_init` with this service's `sasl_*` options (Cyrus's `service_init`), at the
    /// process's first connection. A failure is logged; connections then get no AUTH (trusted
    /// ones still deliver).
    ///
    /// When that first connection is pre-authorized (a unix socket, a pipe, or `-a`), every
    /// connection of the process is: a master's child serves one listening socket, stdin mode
    /// one session. They offer only `EXTERNAL`, built into libsasl2, so no plugin file is
    /// loaded (docs/BENCHMARKS.md: 2.5 ms and 2.5 MB per process).
    static func startSASL(_ configuration: SASLConfiguration, loadPlugins: Bool, logger: Logger) {
        let result = SASLLibrary.start(options: configuration.options, loadPlugins: loadPlugins) { level, message in
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
        var status = SASLLibrary.status
        if status == .notStarted {
            Self.startSASL(configuration.sasl, loadPlugins: !preauthorized, logger: logger)
            status = SASLLibrary.status
        }
        guard case .ready(let pluginsLoaded) = status else { return nil }
        if !preauthorized && !pluginsLoaded {
            logger.warning("SASL: a connection that is not pre-authorized, in a process that started without SASL plugins: only EXTERNAL is offered")
        }
        return SASLAuthenticator.make(configuration: configuration.sasl, fd: fd, preauthorized: preauthorized, logger: logger)
    }
}
