import CSASL

/// What a server requires of every exchange on a connection (Cyrus's `mysasl_secprops()`).
public struct SASLPolicy: Sendable, Equatable {
    /// `sasl_minimum_layer`: the security strength a session must reach; TLS counts (external
    /// SSF). Since no SASL security layer is ever negotiated here, a value above the TLS
    /// strength leaves no mechanism.
    public var minimumSSF: Int
    /// `allowplaintext`: offer PLAIN and LOGIN without TLS.
    public var allowPlaintext: Bool

    public init(minimumSSF: Int = 0, allowPlaintext: Bool = false) {
        self.minimumSSF = max(0, minimumSSF)
        self.allowPlaintext = allowPlaintext
    }
}

/// One step of an exchange.
public enum SASLStep: Sendable, Equatable {
    /// Send this challenge and call `step` with the client's answer.
    case challenge([UInt8])
    /// Authenticated as `username`; `ssf` is the strength of the negotiated SASL layer (always
    /// 0 here: layers are never offered).
    case success(username: String, ssf: Int)
    case failure(SASLError)
}

/// The server side of SASL for one connection (a `sasl_conn_t`), created after
/// `SASLLibrary.start`. Its options and callbacks are its own, so that connections (and tests)
/// may differ; libsasl consults them before the process-wide ones.
///
/// No SASL security layer is ever negotiated (the stream is never wrapped): the maximum SSF is
/// 0, so mechanisms that could add integrity or privacy (DIGEST-MD5, GSSAPI) authenticate only.
public final class SASLServer {
    /// What the connection was created with, to re-create it after a failed exchange.
    private struct Setup {
        var service: String
        var serverFQDN: String
        var localAddress: String?
        var remoteAddress: String?
        var policy: SASLPolicy
    }

    private let setup: Setup
    private let table: OptionTable
    private let callbacks: CallbackList
    private var connection: OpaquePointer?
    private var external: (ssf: Int, authID: String?)?

    /// - Parameters:
    ///   - service: the SASL service name (`lmtp`).
    ///   - serverFQDN: `servername`; also the default realm of user names.
    ///   - localAddress, remoteAddress: `a.b.c.d;port` (libsasl's form), nil for unix sockets.
    ///   - options: this service's `sasl_*` options.
    ///   - forcedMechanisms: a `mech_list` that wins over the options (Cyrus forces
    ///     `EXTERNAL` for pre-authorized connections).
    public init(service: String, serverFQDN: String, localAddress: String? = nil, remoteAddress: String? = nil,
                options: SASLOptions, policy: SASLPolicy, forcedMechanisms: String? = nil) throws(SASLError) {
        guard SASLLibrary.isReady else {
            throw SASLError(code: SASL_NOTINIT, detail: SASLError.text(SASL_NOTINIT))
        }
        setup = Setup(service: service, serverFQDN: serverFQDN, localAddress: localAddress,
                      remoteAddress: remoteAddress, policy: policy)
        table = OptionTable(options, overrides: forcedMechanisms.map { ["mech_list": $0] } ?? [:])
        callbacks = CallbackList(getoptContext: Unmanaged.passUnretained(table).toOpaque(),
                                 logContext: SASLLibrary.logContext)
        try open()
    }

    deinit {
        close()
        callbacks.deallocate()
    }

    /// The mechanisms this connection offers now, in libsasl's order (strongest first).
    public func mechanisms() -> [String] {
        guard let connection else { return [] }
        if setup.policy.minimumSSF > (external?.ssf ?? 0) { return [] }
        return SASLLibrary.serialized {
            var list: UnsafePointer<CChar>?
            var count: Int32 = 0
            guard sasl_listmech(connection, nil, "", " ", "", &list, nil, &count) == SASL_OK, let list else { return [] }
            return String(cString: list).split(separator: " ").map(String.init)
        }
    }

    /// Starts an exchange with `mechanism` (`initialResponse` nil: none was sent; empty: `=`).
    public func start(mechanism: String, initialResponse: [UInt8]?) -> SASLStep {
        guard let connection else { return .failure(SASLError(code: SASL_NOTINIT, detail: "no SASL connection")) }
        return SASLLibrary.serialized {
            var output: UnsafePointer<CChar>?
            var outputLength: UInt32 = 0
            let code: Int32
            if let initialResponse {
                code = Self.withCBytes(initialResponse) { bytes, count in
                    sasl_server_start(connection, mechanism, bytes, count, &output, &outputLength)
                }
            } else {
                code = sasl_server_start(connection, mechanism, nil, 0, &output, &outputLength)
            }
            return result(code, output, outputLength)
        }
    }

    /// Continues the exchange with the client's (decoded) answer to the last challenge.
    public func step(_ response: [UInt8]) -> SASLStep {
        guard let connection else { return .failure(SASLError(code: SASL_NOTINIT, detail: "no SASL connection")) }
        return SASLLibrary.serialized {
            var output: UnsafePointer<CChar>?
            var outputLength: UInt32 = 0
            let code = Self.withCBytes(response) { bytes, count in
                sasl_server_step(connection, bytes, count, &output, &outputLength)
            }
            return result(code, output, outputLength)
        }
    }

    /// Drops any exchange in progress and starts over with a fresh connection state (Cyrus's
    /// `reset_saslconn()` after a failed or cancelled AUTH).
    public func reset() {
        close()
        do { try open() } catch { connection = nil }
    }

    /// Tells libsasl about a security layer below SASL (TLS) and the identity it proved (a
    /// verified client certificate), which enables EXTERNAL and plaintext mechanisms.
    public func setExternal(ssf: Int, authID: String?) {
        external = (max(0, ssf), authID)
        applyExternal()
        applySecurityProperties()
    }

    // MARK: the sasl_conn_t

    private func open() throws(SASLError) {
        var created: OpaquePointer?
        let code = SASLLibrary.serialized {
            sasl_server_new(setup.service, setup.serverFQDN, nil, setup.localAddress, setup.remoteAddress,
                            callbacks.pointer, 0, &created)
        }
        guard code == SASL_OK, let created else {
            throw SASLError(code: code, detail: SASLError.text(code))
        }
        connection = created
        applySecurityProperties()
        applyExternal()
    }

    private func close() {
        guard connection != nil else { return }
        SASLLibrary.serialized { sasl_dispose(&connection) }
        connection = nil
    }

    private func applySecurityProperties() {
        guard let connection else { return }
        var flags = UInt32(SASL_SEC_NOANONYMOUS)
        if !setup.policy.allowPlaintext { flags |= UInt32(SASL_SEC_NOPLAINTEXT) }
        var properties = sasl_security_properties_t(
            min_ssf: sasl_ssf_t(clamping: setup.policy.minimumSSF), max_ssf: 0, maxbufsize: 0,
            security_flags: flags, property_names: nil, property_values: nil)
        _ = SASLLibrary.serialized { sasl_setprop(connection, SASL_SEC_PROPS, &properties) }
    }

    private func applyExternal() {
        guard let connection, let external else { return }
        var ssf = sasl_ssf_t(clamping: external.ssf)
        SASLLibrary.serialized {
            _ = sasl_setprop(connection, SASL_SSF_EXTERNAL, &ssf)
            _ = sasl_setprop(connection, SASL_AUTH_EXTERNAL, external.authID)
        }
    }

    // MARK: results

    /// Turns a libsasl result into a step. Called inside `serialized`.
    private func result(_ code: Int32, _ output: UnsafePointer<CChar>?, _ length: UInt32) -> SASLStep {
        switch code {
        case SASL_CONTINUE:
            guard let output, length > 0 else { return .challenge([]) }
            return .challenge(output.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                Array(UnsafeBufferPointer(start: $0, count: Int(length)))
            })
        case SASL_OK:
            var user: UnsafeRawPointer?
            var ssf: UnsafeRawPointer?
            guard sasl_getprop(connection, SASL_USERNAME, &user) == SASL_OK, let user else {
                return .failure(SASLError(code: SASL_FAIL, detail: "no user name after authentication"))
            }
            let strength = sasl_getprop(connection, SASL_SSF, &ssf) == SASL_OK
                ? ssf.map { Int($0.load(as: sasl_ssf_t.self)) } ?? 0 : 0
            return .success(username: String(cString: user.assumingMemoryBound(to: CChar.self)), ssf: strength)
        default:
            let detail = sasl_errdetail(connection).map { String(cString: $0) } ?? SASLError.text(code)
            return .failure(SASLError(code: code, detail: detail))
        }
    }

    /// Calls `body` with `bytes` as a NUL-terminated C buffer and its length without the NUL.
    private static func withCBytes(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>, UInt32) -> Int32) -> Int32 {
        let terminated = bytes + [0]
        return terminated.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress else { return SASL_BADPARAM }
                return body(base, UInt32(bytes.count))
            }
        }
    }
}
