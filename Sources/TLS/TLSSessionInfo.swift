import COpenSSLRuntime

/// What a finished handshake negotiated, and the client's certificate identity.
public struct TLSSessionInfo: Sendable, Equatable {
    /// `TLSv1.3`, `TLSv1.2`, ...
    public var version: String
    /// OpenSSL's cipher name, e.g. `TLS_AES_256_GCM_SHA384`.
    public var cipher: String
    /// Secret bits used / of the algorithm (Cyrus's `bits=256/256`).
    public var usedBits: Int
    public var algorithmBits: Int
    /// Whether the client sent a certificate that verified against the client CAs.
    public var clientCertificateVerified: Bool
    /// The verified certificate's subject common name, else its e-mail address (Cyrus takes the
    /// CN as the external authentication id); nil without a verified certificate or when the
    /// name is empty or not plain printable text.
    public var clientIdentity: String?
    /// Whether an earlier session was resumed.
    public var resumed: Bool

    public init(version: String, cipher: String, usedBits: Int, algorithmBits: Int,
                clientCertificateVerified: Bool = false, clientIdentity: String? = nil, resumed: Bool = false) {
        self.version = version
        self.cipher = cipher
        self.usedBits = usedBits
        self.algorithmBits = algorithmBits
        self.clientCertificateVerified = clientCertificateVerified
        self.clientIdentity = clientIdentity
        self.resumed = resumed
    }

    init(_ ssl: OpaquePointer) {
        version = cdl_SSL_get_version(ssl).map { String(cString: $0) } ?? "unknown"
        var used: Int32 = 0, algorithm: Int32 = 0
        cipher = cdl_cipher_info(ssl, &used, &algorithm).map { String(cString: $0) } ?? "none"
        usedBits = Int(used)
        algorithmBits = Int(algorithm)
        resumed = cdl_SSL_session_reused(ssl) == 1
        clientCertificateVerified = false
        clientIdentity = nil
        if let peer = cdl_SSL_get1_peer_certificate(ssl) {
            defer { cdl_X509_free(peer) }
            if cdl_SSL_get_verify_result(ssl) == Int(X509_V_OK) {
                clientCertificateVerified = true
                let subject = cdl_X509_get_subject_name(peer)
                clientIdentity = Self.text(subject, NID_commonName) ?? Self.text(subject, NID_pkcs9_emailAddress)
            }
        }
    }

    /// Cyrus's TLS comment in `Received:` (`tls_get_info()`), except that `verify=YES` needs a
    /// verified client certificate (Cyrus also says YES when the client sent none).
    public var receivedComment: String {
        "version=\(version) cipher=\(cipher) bits=\(usedBits)/\(algorithmBits) verify=\(clientCertificateVerified ? "YES" : "NO")"
    }

    /// Cyrus's log line after a handshake (`starttls: ...`).
    public var logLine: String {
        let who = clientIdentity.map { "authenticated as \($0)" } ?? "no authentication"
        return "starttls: \(version) with cipher \(cipher) (\(usedBits)/\(algorithmBits) bits \(resumed ? "reused" : "new")) \(who)"
    }

    /// One entry of a certificate name as text: nil when absent, empty, or holding anything but
    /// printable ASCII (an embedded NUL would otherwise cut the name short).
    private static func text(_ name: OpaquePointer?, _ nid: Int32) -> String? {
        guard let name else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        let length = cdl_X509_NAME_get_text_by_NID(name, nid, &buffer, Int32(buffer.count))
        guard length > 0, Int(length) < buffer.count else { return nil }
        let bytes = buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }
        guard bytes.allSatisfy({ $0 >= 0x21 && $0 < 0x7F || $0 == 0x20 }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
