import ConfParse
import TLS

extension LMTPDConfiguration {
    /// The STARTTLS setup Cyrus's `tls_*` options describe (each may carry the service prefix,
    /// `lmtp_tls_server_cert`), or nil when TLS is off: `tls_server_cert` or `tls_server_key`
    /// unset or `disabled` (Cyrus's `tls_enabled()`).
    static func tlsConfiguration(_ imapd: ImapdConfig, service: String) -> TLSServerConfiguration? {
        let certificate = imapd[.tlsServerCert], key = imapd[.tlsServerKey]
        guard !TLSServerConfiguration.isDisabled(certificate), !TLSServerConfiguration.isDisabled(key),
              let certificate, let key else { return nil }
        let clientCerts: TLSServerConfiguration.ClientCertificates
        switch imapd[.tlsClientCerts] {
        case .off: clientCerts = .off
        case .optional: clientCerts = .optional
        case .require: clientCerts = .require
        }
        let path = { (value: String?) -> String? in TLSServerConfiguration.isDisabled(value) ? nil : value }
        return TLSServerConfiguration(
            certificateFile: certificate,
            keyFile: key,
            clientCAFile: path(imapd[.tlsClientCaFile]),
            clientCADirectory: path(imapd[.tlsClientCaDir]),
            clientCertificates: clientCerts,
            versions: imapd[.tlsVersions],
            ciphers: imapd[.tlsCiphers],
            preferServerCiphers: imapd[.tlsPreferServerCiphers],
            sessionTimeout: max(0, imapd[.tlsSessionTimeout]),
            sessionContext: service)
    }
}
