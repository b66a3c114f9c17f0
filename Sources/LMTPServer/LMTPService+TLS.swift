import LMTP
import Logging
import TLS

extension LMTPService {
    /// Builds the process's TLS context from the `tls_*` options, once. A failure (unreadable
    /// file, key not matching the certificate, bad `tls_ciphers`...) is logged and STARTTLS is
    /// then not offered; clients that send it anyway get `454 4.3.3 Error initializing TLS`.
    static func makeTLSContext(_ configuration: LMTPDConfiguration, logger: Logger) -> TLSServerContext? {
        guard let tls = configuration.tls else { return nil }
        do {
            let context = try TLSServerContext(tls)
            for warning in context.warnings { logger.warning("TLS server engine: \(warning)") }
            logger.debug("TLS server engine ready", metadata: [
                "cert": "\(tls.certificateFile)", "client-certs": "\(context.requestsClientCertificates ? "requested" : "not requested")",
            ])
            return context
        } catch {
            logger.error("TLS server engine: \(error); STARTTLS is not offered")
            return nil
        }
    }

    /// STARTTLS for one connection: none when TLS is off or the session is pre-authenticated
    /// (Cyrus: "don't need TLS for preauth'd connect"), then STARTTLS is a syntax error.
    func tlsUpgrader(preauthenticated: Bool, input: DescriptorInput, outputFD: Int32) -> OpenSSLUpgrader? {
        guard configuration.tls != nil, !preauthenticated else { return nil }
        return OpenSSLUpgrader(context: tlsContext, plainInput: input, outputFD: outputFD,
                               handshakeTimeout: configuration.idleTimeout)
    }
}
