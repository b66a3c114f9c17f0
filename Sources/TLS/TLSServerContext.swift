import COpenSSLRuntime

/// One process's TLS server setup (an OpenSSL `SSL_CTX`), built once from the `tls_*` options
/// the way Cyrus's `tls_init_serverengine()` builds it: protocol versions, cipher list, server
/// cipher preference, certificate and key (checked against each other), client certificate
/// request and verification against the configured client CAs, session resumption.
///
/// Every connection's `TLSConnection` is made from it. Not shared between threads.
public final class TLSServerContext {
    let context: OpaquePointer
    public let configuration: TLSServerConfiguration
    /// Things that were set up differently than configured but did not stop TLS (for the log).
    public private(set) var warnings: [String] = []
    /// Whether clients are asked for a certificate.
    public private(set) var requestsClientCertificates = false

    /// Builds the context, loading OpenSSL first if this process has not yet (its libraries are
    /// not linked: see `COpenSSLRuntime`); throws with the reason when OpenSSL cannot be loaded,
    /// a file cannot be loaded, the key does not match the certificate, or an option has no
    /// usable value.
    public init(_ configuration: TLSServerConfiguration) throws(TLSError) {
        self.configuration = configuration
        try Self.loadOpenSSL()
        OpenSSLErrorQueue.clear()
        guard let context = cdl_SSL_CTX_new(cdl_TLS_server_method()) else {
            throw TLSError.openSSL("cannot create a TLS context")
        }
        self.context = context
        try configureProtocols()
        try loadCertificates()
        try configureClientCertificates()
        configureSessions()
        cdl_ctx_set_dh_auto(context)
        cdl_ctx_set_write_mode(context)
    }

    deinit { cdl_SSL_CTX_free(context) }

    /// Loads libssl and libcrypto (once per process).
    static func loadOpenSSL() throws(TLSError) {
        var reason = [CChar](repeating: 0, count: 256)
        guard cdl_load(&reason, Int32(reason.count)) == 0 else {
            throw TLSError(String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    private func configureProtocols() throws(TLSError) {
        guard let versions = TLSVersions(configuration.versions) else {
            throw TLSError("tls_versions \"\(configuration.versions)\" enables no TLS version (tls1_0 ... tls1_3)")
        }
        var options = cdl_base_server_options() | versions.gapOptions
        if configuration.preferServerCiphers { options |= cdl_option_cipher_server_preference() }
        if configuration.sessionTimeout <= 0 { options |= cdl_option_no_ticket() }
        _ = cdl_SSL_CTX_set_options(context, options)
        guard let low = versions.enabled.first, let high = versions.enabled.last,
              cdl_ctx_set_min_proto_version(context, low) == 1,
              cdl_ctx_set_max_proto_version(context, high) == 1 else {
            throw TLSError.openSSL("cannot set the TLS versions \(versions.names.joined(separator: " "))")
        }
        guard cdl_SSL_CTX_set_cipher_list(context, configuration.ciphers) == 1 else {
            throw TLSError.openSSL("cannot load cipher list '\(configuration.ciphers)'")
        }
    }

    /// Loads each certificate chain and its key; a second pair may follow after a comma.
    private func loadCertificates() throws(TLSError) {
        let certificates = configuration.certificateFile.split(separator: ",").map(String.init)
        let keys = configuration.keyFile.split(separator: ",").map(String.init)
        guard !certificates.isEmpty else { throw TLSError("tls_server_cert names no file") }
        for (index, certificate) in certificates.prefix(2).enumerated() {
            let key = index < keys.count ? keys[index] : certificate
            OpenSSLErrorQueue.clear()
            guard cdl_SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
                throw TLSError.openSSL("unable to get certificate from '\(certificate)'")
            }
            guard cdl_SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
                throw TLSError.openSSL("unable to get private key from '\(key)'")
            }
            guard cdl_SSL_CTX_check_private_key(context) == 1 else {
                throw TLSError.openSSL("private key '\(key)' does not match certificate '\(certificate)'")
            }
        }
    }

    /// Asks for client certificates when a client CA is configured (Cyrus: unless
    /// `tls_client_certs: off`); `require` without a usable CA is an error, as in Cyrus. Only
    /// the configured CAs are trusted (Cyrus also trusts the system's default CA paths).
    private func configureClientCertificates() throws(TLSError) {
        let mode = configuration.clientCertificates
        let file = configuration.clientCAFile.flatMap { $0.isEmpty ? nil : $0 }
        let directory = configuration.clientCADirectory.flatMap { $0.isEmpty ? nil : $0 }
        guard mode != .off else { return }
        guard file != nil || directory != nil else {
            if mode == .require { throw TLSError("tls_client_certs: require, but no tls_client_ca_file or tls_client_ca_dir") }
            return
        }
        OpenSSLErrorQueue.clear()
        guard cdl_SSL_CTX_load_verify_locations(context, file, directory) == 1 else {
            let error = TLSError.openSSL("cannot load the client CAs")
            if mode == .require { throw error }
            warnings.append("\(error), client certificates disabled")
            return
        }
        if let file, let names = cdl_SSL_load_client_CA_file(file) {
            cdl_SSL_CTX_set_client_CA_list(context, names)
        }
        cdl_ctx_set_client_verify(context, mode == .require ? 2 : 1, Int32(clamping: configuration.verifyDepth))
        requestsClientCertificates = true
    }

    /// Resumption inside this process (Cyrus shares sessions between processes through a
    /// database; we do not): `tls_session_timeout` 0 turns it off.
    private func configureSessions() {
        let timeout = min(configuration.sessionTimeout, 24 * 60 * 60)
        guard timeout > 0 else {
            cdl_ctx_disable_session_cache(context)
            return
        }
        _ = cdl_SSL_CTX_set_timeout(context, Int(timeout))
        let name = Array(configuration.sessionContext.utf8.prefix(Int(SSL_MAX_SID_CTX_LENGTH)))
        _ = cdl_SSL_CTX_set_session_id_context(context, name, UInt32(name.count))
    }
}
