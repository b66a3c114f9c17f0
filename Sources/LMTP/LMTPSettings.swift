/// How much of the server's identity the greeting and the `Received:` header show
/// (Cyrus's `serverinfo`).
public enum ServerInfo: String, Sendable, Equatable {
    /// Product and version in the greeting and in `Received:`.
    case on
    /// Servername only.
    case min
    /// Servername only.
    case off
}

/// Everything an `LMTPSession` needs to know from the configuration. The names follow the
/// imapd.conf options they come from.
public struct LMTPSettings: Sendable, Equatable {
    /// `servername`: first LHLO line, greeting, `Received: ... by`, appended to local senders.
    public var servername: String
    /// `serverinfo`.
    public var serverInfo: ServerInfo
    /// Product name shown when `serverInfo` is `.on`.
    public var product: String
    /// Version shown when `serverInfo` is `.on`.
    public var version: String
    /// `maxmessagesize` in bytes of the stored message; 0 means unlimited.
    public var maxMessageSize: Int
    /// `lmtp_downcase_rcpt`: lower-case the user and domain of recipients (never the detail).
    public var downcaseRecipients: Bool
    /// `lmtp_strict_rfc2821`: reject 8-bit bytes in addresses (else each becomes `X`).
    public var strictRFC2821: Bool
    /// `munge8bit`: replace 8-bit bytes in header values by `X`.
    public var munge8bit: Bool
    /// `reject8bit`: refuse messages with 8-bit bytes in header values (wins over `munge8bit`).
    public var reject8bit: Bool
    /// The client is trusted without AUTH (unix socket, or a service started with `-a`).
    /// Without it every MAIL is refused (430/530) until AUTH succeeds.
    public var preauthenticated: Bool
    /// `soft_noauth`: MAIL without authentication gets 430 (true) or 530 (false).
    public var softNoAuth: Bool
    /// `postmaster`: named in the permission-denied reply.
    public var postmaster: String
    /// First part of session ids (Cyrus: `syslog_prefix`); empty means `servername`.
    public var sessionIDPrefix: String
    /// Extra LHLO capability lines (without `250-`), shown after `SIZE` and before
    /// `IGNOREQUOTA`, where Cyrus shows `STARTTLS` and `AUTH`. Empty today.
    public var extraCapabilities: [String]
    /// `lmtp_add_missing_message_id` (ours): add `Message-ID: <lmtpd-<pid>-<time>-<n>@<servername>>`
    /// after the headers of a message that has none, as Cyrus always does.
    public var addMissingMessageID: Bool
    /// `lmtp_add_missing_date` (ours): add `Date: <now>` after the headers of a message that has
    /// none, as Cyrus always does.
    public var addMissingDate: Bool
    /// `lmtp_add_session_id_header` (ours): add Cyrus's `X-Cyrus-Session-Id: <session id>` after
    /// `Received:` (the session id is in `Received:`'s `id` clause anyway).
    public var sessionIDHeader: Bool
    /// `lmtp_add_delivered_to` (ours): add Dovecot's `Delivered-To: <recipient>` above
    /// `Received:` when a transaction has exactly one recipient (as Dovecot's LMTP).
    public var deliveredTo: Bool
    /// Failed AUTH attempts (`535`) after which the connection is closed with `421 4.7.0` (ours;
    /// Cyrus has no limit).
    public var maximumAuthenticationFailures = 3
    /// Whether the stored message starts with `Return-Path:` (off in a proxy: the final
    /// delivery adds it).
    public var addReturnPath = true
    /// Whether `BINARYMIME` is offered (off in a proxy that relays with DATA, which cannot
    /// carry binary bodies).
    public var binaryMIME = true

    /// Defaults are Cyrus's, except that nothing is trusted by default (`preauthenticated`) and
    /// that no header beyond `Return-Path:` and `Received:` is added by default.
    public init(
        servername: String = "localhost",
        serverInfo: ServerInfo = .on,
        product: String = "CyrusDelivery",
        version: String = "0.1",
        maxMessageSize: Int = 0,
        downcaseRecipients: Bool = true,
        strictRFC2821: Bool = true,
        munge8bit: Bool = true,
        reject8bit: Bool = false,
        preauthenticated: Bool = false,
        softNoAuth: Bool = true,
        postmaster: String = "postmaster",
        sessionIDPrefix: String = "",
        extraCapabilities: [String] = [],
        addMissingMessageID: Bool = false,
        addMissingDate: Bool = false,
        sessionIDHeader: Bool = false,
        deliveredTo: Bool = false
    ) {
        self.servername = servername
        self.serverInfo = serverInfo
        self.product = product
        self.version = version
        self.maxMessageSize = maxMessageSize
        self.downcaseRecipients = downcaseRecipients
        self.strictRFC2821 = strictRFC2821
        self.munge8bit = munge8bit
        self.reject8bit = reject8bit
        self.preauthenticated = preauthenticated
        self.softNoAuth = softNoAuth
        self.postmaster = postmaster
        self.sessionIDPrefix = sessionIDPrefix
        self.extraCapabilities = extraCapabilities
        self.addMissingMessageID = addMissingMessageID
        self.addMissingDate = addMissingDate
        self.sessionIDHeader = sessionIDHeader
        self.deliveredTo = deliveredTo
    }

    /// The prefix session ids actually use.
    var effectiveSessionIDPrefix: String {
        sessionIDPrefix.isEmpty ? servername : sessionIDPrefix
    }
}

/// The other end of a connection, as named in the `Received:` header.
public enum ClientInfo: Sendable, Equatable {
    /// A unix-domain socket (or a pipe): `[unix socket]`.
    case unixSocket
    /// An internet peer: `[<address>]`, or `<hostname> [<address>]` when it has a name.
    case inet(address: String, hostname: String?)

    /// The parenthesised part of `Received: from <lhlo> (<description>)`.
    public var receivedDescription: String {
        switch self {
        case .unixSocket:
            return "[unix socket]"
        case .inet(let address, let hostname):
            let bracketed = "[\(HeaderText.sanitized(address))]"
            guard let hostname, !hostname.isEmpty else { return bracketed }
            return "\(HeaderText.sanitized(hostname)) \(bracketed)"
        }
    }
}
