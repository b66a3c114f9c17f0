/// The server's side of STARTTLS (RFC 3207) as the engine sees it: the engine decides when TLS
/// may start and what the session forgets; the upgrader does the TLS work on the connection
/// and hands back the streams to use from then on. The engine stays free of I/O and OpenSSL;
/// tests give it a fake.
public protocol TLSUpgrader: AnyObject {
    /// Whether TLS can be started: it is configured and its certificate and key loaded.
    /// STARTTLS is advertised only then; otherwise it is answered `454 4.3.3 Error
    /// initializing TLS` (an upgrader exists only when TLS is configured).
    var isAvailable: Bool { get }

    /// Prepares this connection's TLS state before `220` is sent. A failure is answered
    /// `454 4.3.3 Error initializing TLS` and the session goes on in plain text.
    func prepare() -> Result<Void, TLSFailure>

    /// Runs the server handshake after `220 Begin TLS negotiation now` was written. Bytes the
    /// client sent before the handshake were discarded by the engine.
    func upgrade() -> Result<TLSUpgrade, TLSFailure>
}

/// A finished handshake: the encrypted streams and what the session learns from them.
public struct TLSUpgrade {
    public var input: ByteInput
    public var output: ByteOutput
    /// The identity of a verified client certificate (Cyrus: its subject CN), or nil. A
    /// verified certificate counts as authentication, as in Cyrus.
    public var peerIdentity: String?
    /// Cyrus's description of the TLS layer for `Received:`
    /// (`version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256 verify=NO`).
    public var receivedComment: String
    /// One line for the log (protocol, cipher, client identity).
    public var logLine: String

    public init(input: ByteInput, output: ByteOutput, peerIdentity: String?, receivedComment: String, logLine: String) {
        self.input = input
        self.output = output
        self.peerIdentity = peerIdentity
        self.receivedComment = receivedComment
        self.logLine = logLine
    }
}

/// Why TLS could not be started, for the log.
public struct TLSFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
