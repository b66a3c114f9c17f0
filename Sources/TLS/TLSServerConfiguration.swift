/// What a TLS server context is built from: Cyrus's `tls_*` options of imapd.conf.
public struct TLSServerConfiguration: Sendable, Equatable {
    /// Whether clients are asked for a certificate (Cyrus's `tls_client_certs`).
    public enum ClientCertificates: String, Sendable, Equatable {
        /// Never asked.
        case off
        /// Asked for when a client CA is configured; a client may send none.
        case optional
        /// A client without a certificate signed by the client CA fails the handshake.
        case require
    }

    /// `tls_server_cert`: PEM certificate (with its chain). Two files separated by a comma give
    /// two certificates (e.g. RSA and ECDSA), as in Cyrus.
    public var certificateFile: String
    /// `tls_server_key`: PEM private key(s), comma-separated like the certificates.
    public var keyFile: String
    /// `tls_client_ca_file`: PEM file of the CAs that sign client certificates.
    public var clientCAFile: String?
    /// `tls_client_ca_dir`: hashed directory of such CAs (`openssl rehash`).
    public var clientCADirectory: String?
    /// `tls_client_certs`.
    public var clientCertificates: ClientCertificates
    /// `tls_versions`.
    public var versions: String
    /// `tls_ciphers`: an OpenSSL cipher list (TLS 1.2 and older).
    public var ciphers: String
    /// `tls_prefer_server_ciphers`.
    public var preferServerCiphers: Bool
    /// `tls_session_timeout` in seconds (capped at 24 h as in Cyrus); 0 turns resumption off.
    public var sessionTimeout: Int
    /// Names the sessions of this service (the service name), for resumption.
    public var sessionContext: String
    /// How long a client certificate chain may be (Cyrus: 5).
    public var verifyDepth: Int

    public init(certificateFile: String, keyFile: String, clientCAFile: String? = nil,
                clientCADirectory: String? = nil, clientCertificates: ClientCertificates = .optional,
                versions: String = "tls1_0 tls1_1 tls1_2 tls1_3", ciphers: String = "DEFAULT",
                preferServerCiphers: Bool = false, sessionTimeout: Int = 86400,
                sessionContext: String = "lmtp", verifyDepth: Int = 5) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
        self.clientCADirectory = clientCADirectory
        self.clientCertificates = clientCertificates
        self.versions = versions
        self.ciphers = ciphers
        self.preferServerCiphers = preferServerCiphers
        self.sessionTimeout = sessionTimeout
        self.sessionContext = sessionContext
        self.verifyDepth = verifyDepth
    }

    /// Whether a value of `tls_server_cert`/`tls_server_key` means "no TLS" (unset, empty or
    /// `disabled`, compared without case as Cyrus's `tls_enabled()` does).
    public static func isDisabled(_ value: String?) -> Bool {
        guard let value else { return true }
        let trimmed = value.filter { $0 != " " && $0 != "\t" }
        return trimmed.isEmpty || trimmed.lowercased() == "disabled"
    }
}
