import CSASL

/// A libsasl2 result other than success or "continue", with libsasl's explanation.
public struct SASLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `SASL_*` result code.
    public var code: Int32
    /// `sasl_errdetail()` (or `sasl_errstring()` when there is no connection).
    public var detail: String

    public init(code: Int32, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// What a protocol needs to know about a failure.
    public enum Kind: Sendable, Equatable {
        /// The mechanism is unknown, not enabled, or not allowed on this connection.
        case noMechanism
        /// Wrong credentials, unknown user, not authorized, expired or disabled account.
        case badCredentials
        /// The mechanism is too weak for the required security strength.
        case tooWeak
        /// The mechanism sends the password in clear and the connection is not encrypted.
        case encryptionRequired
        /// The client's SASL message was malformed.
        case badProtocol
        /// Anything else: a server-side problem (database unreadable, out of memory...).
        case temporary
    }

    public var kind: Kind {
        switch code {
        case SASL_NOMECH: return .noMechanism
        case SASL_BADAUTH, SASL_NOUSER, SASL_NOAUTHZ, SASL_EXPIRED, SASL_DISABLED, SASL_NOVERIFY, SASL_TRANS:
            return .badCredentials
        case SASL_TOOWEAK: return .tooWeak
        case SASL_ENCRYPT: return .encryptionRequired
        case SASL_BADPROT, SASL_BADPARAM, SASL_BADBINDING: return .badProtocol
        default: return .temporary
        }
    }

    public var description: String { "SASL error \(code): \(detail)" }

    /// libsasl's generic text for a result code.
    static func text(_ code: Int32) -> String {
        sasl_errstring(code, nil, nil).map { String(cString: $0) } ?? "SASL error \(code)"
    }
}
