/// Why an AUTH exchange failed, as far as the client's reply is concerned.
public enum AuthFailure: Sendable, Equatable {
    /// Unknown mechanism, or one not offered on this connection: `504`.
    case unknownMechanism
    /// Wrong credentials, unknown user, or a malformed SASL message: `535 5.7.8`. Counts as a
    /// failed attempt (delay, and the connection is closed after too many).
    case invalidCredentials
    /// The mechanism is too weak for the required security strength: `534 5.7.9`.
    case mechanismTooWeak
    /// The mechanism needs an encrypted connection: `538 5.7.11`.
    case encryptionRequired
    /// A server-side problem: `454 4.7.0`.
    case temporary
}

/// One step of an AUTH exchange.
public enum AuthStep: Sendable, Equatable {
    /// Send `334 <base64 of these bytes>` and pass the client's answer to `step`.
    case challenge([UInt8])
    /// The client is `identity`; `securityStrength` is the SASL layer's SSF (0: none).
    case success(identity: String, securityStrength: Int)
    /// The exchange failed; `detail` is for the log only.
    case failure(AuthFailure, detail: String)
}

/// The SASL side of LMTP AUTH for one connection. The engine does the protocol (base64, `334`
/// challenges, cancel, replies, limits); the authenticator does the mechanisms. After a
/// failure or `cancel` it must be ready for a new `start`.
public protocol Authenticator: AnyObject {
    /// The mechanisms to advertise in LHLO (`250-AUTH ...`) and to accept in AUTH, upper
    /// case. Empty: no AUTH line, and every AUTH gets `504`.
    func mechanisms() -> [String]

    /// Starts an exchange. `initialResponse` is nil when the client sent none, empty for `=`.
    func start(mechanism: String, initialResponse: [UInt8]?) -> AuthStep

    /// Continues the exchange with the client's decoded answer to the last challenge.
    func step(response: [UInt8]) -> AuthStep

    /// Abandons the exchange in progress (client `*`, an unreadable answer, end of input).
    func cancel()

    /// Called after the `count`-th failed attempt of the session, before its `535` is sent:
    /// the place to slow down password guessing (this process serves only this client, so a
    /// sleep here delays nobody else).
    func pause(afterFailures count: Int)

    /// The connection now runs over a security layer of strength `ssf` (TLS) and, with a
    /// verified client certificate, `authID` proved who the client is: this enables EXTERNAL
    /// and the plain-text mechanisms. For the STARTTLS code.
    func securityLayerEstablished(ssf: Int, authID: String?)
}
