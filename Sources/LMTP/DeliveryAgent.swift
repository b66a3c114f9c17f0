/// The contract between the LMTP protocol engine and whatever stores mail.
///
/// The engine parses the dialogue and decides every reply; it asks a `DeliveryAgent` only the
/// questions it cannot answer itself: does this recipient exist (RCPT), give me somewhere to
/// put the message (DATA), and deliver the finished message to these recipients.

/// A recipient as the engine parsed it from `RCPT TO:<...>`, already split and case-folded
/// according to the session settings (`lmtp_downcase_rcpt`).
public struct Recipient: Sendable, Equatable {
    /// The address exactly as the client wrote it between `<` and `>` (source route removed).
    public var address: String
    /// The user part of the local part (left of the first `+`).
    public var user: String
    /// The text right of the first `+`, if there was one (not case-folded).
    public var detail: String?
    /// The domain (right of the last `@`), if there was one.
    public var domain: String?
    /// `IGNOREQUOTA` was given on the RCPT line.
    public var ignoreQuota: Bool

    public init(address: String, user: String, detail: String?, domain: String?, ignoreQuota: Bool) {
        self.address = address
        self.user = user
        self.detail = detail
        self.domain = domain
        self.ignoreQuota = ignoreQuota
    }
}

/// Why a recipient or a delivery failed. The engine turns each case into Cyrus's reply text.
public enum DeliveryFailure: Error, Sendable, Equatable {
    /// No such mailbox: `550 5.1.1 User unknown` (Cyrus's three-line text).
    case mailboxUnknown
    /// Posting not allowed: `550 5.7.1 Permission denied` (Cyrus's five-line text).
    case permissionDenied
    /// Over quota: `452 4.2.2` (or `552 5.2.2` when `permanent`).
    case overQuota(permanent: Bool)
    /// The disk or a filesystem quota is full: `451 4.3.1 mail system storage has been exceeded`.
    case storageFull
    /// Delivery to this mailbox is disabled (user denied): `451 4.2.1 ...`.
    case deliveryDisabled
    /// Any other I/O or internal error: `451 4.3.0 <text>`.
    case temporary(String)
    /// The recipient's own filter refused the message (Sieve `reject`/`ereject`):
    /// `550 5.7.1 <reason>`, one `550-` line per line of the reason.
    case rejected(String)
    /// The reply the next hop gave (a proxy's backend), passed on line by line as it came
    /// (`451-...`/`451 ...`); its code says whether it is temporary.
    case relayed([String])
}

/// Envelope facts of one message transaction, handed over at delivery time.
public struct Envelope: Sendable {
    /// The MAIL FROM path without brackets (empty for the null sender `<>`).
    public var sender: String
    /// The `AUTH=` identity given on MAIL FROM, if any.
    public var authorizedIdentity: String?
    /// The session id shown in replies and in the `Received:` header.
    public var sessionID: String
    /// The message's `Message-ID:` header value as received (trimmed, unfolded, 8-bit bytes
    /// munged like the stored header), or nil when it had none. Cyrus's duplicate key and
    /// delivery log line use it.
    public var messageID: String?
    /// The message's `Date:` header value as received (trimmed, unfolded), or nil.
    public var date: String?
    /// `MAIL FROM:<...> SMTPUTF8` (RFC 6531): addresses and header fields may be UTF-8.
    public var internationalized: Bool
    /// `BODY=BINARYMIME` (RFC 3030): the body after the header block is stored byte for byte, so
    /// it may hold CRLF, bare CR and NUL.
    public var binaryBody: Bool

    public init(sender: String, authorizedIdentity: String?, internationalized: Bool = false, binaryBody: Bool = false,
                sessionID: String, messageID: String? = nil, date: String? = nil) {
        self.sender = sender
        self.authorizedIdentity = authorizedIdentity
        self.internationalized = internationalized
        self.binaryBody = binaryBody
        self.sessionID = sessionID
        self.messageID = messageID
        self.date = date
    }
}

/// Where the engine writes one message while it arrives. The bytes written are exactly the bytes
/// to store (headers the engine adds first, dot-unstuffed, line ends normalised).
public protocol MessageSpool: AnyObject {
    /// Appends bytes. Throws `DeliveryFailure.storageFull` or `.temporary` on write errors.
    func write(_ bytes: UnsafeRawBufferPointer) throws(DeliveryFailure)
    /// Number of bytes written so far.
    var size: Int { get }
}

/// A recipient the agent accepted at RCPT, with what it learned then (its mailbox, say), so
/// that DATA and delivery need not resolve the address again.
public struct AcceptedRecipient<Resolved> {
    public var recipient: Recipient
    public var resolved: Resolved

    public init(_ recipient: Recipient, resolved: Resolved) {
        self.recipient = recipient
        self.resolved = resolved
    }
}

/// The storage side of an LMTP session.
public protocol DeliveryAgent: AnyObject {
    associatedtype Spool: MessageSpool
    /// What `verify` learns about a recipient; the engine carries it to `openSpool` and `deliver`.
    associatedtype Resolved

    /// RCPT time: may this recipient receive mail? `sizeHint` is MAIL's `SIZE=` value, if any.
    func verify(_ recipient: Recipient, sizeHint: Int?) -> Result<Resolved, DeliveryFailure>

    /// DATA time, before `354`: a fresh spool for the message about to arrive, for these
    /// (already verified) recipients.
    func openSpool(for recipients: [AcceptedRecipient<Resolved>]) throws(DeliveryFailure) -> Spool

    /// After the final `.`: makes the spooled message durable for each recipient, in order, and
    /// returns one result per recipient (same order). A success must only be returned once the
    /// message is safely on disk for that recipient (and everything else its delivery asked
    /// for is done); its receipt says how (stored, a duplicate, discarded) and where. The spool
    /// is consumed.
    func deliver(_ spool: Spool, envelope: Envelope, to recipients: [AcceptedRecipient<Resolved>]) -> [Result<DeliveryReceipt, DeliveryFailure>]

    /// The message will not be delivered (client vanished, message rejected): drop the spool.
    func discard(_ spool: Spool)

    /// MAIL was accepted: a transaction with this envelope (no message id yet) begins; the
    /// RCPTs follow. Does nothing by default (a proxy opens its backends' transactions here).
    func mailAccepted(_ envelope: Envelope)

    /// The replies so far are written and the engine is about to wait for the client (or the
    /// session has ended): bookkeeping that must not delay a reply is done here. Nothing left
    /// for this call may decide a reply: `deliver`'s results are true without it. Does nothing
    /// by default.
    func repliesSent()
}

extension DeliveryAgent {
    public func repliesSent() {}
    public func mailAccepted(_ envelope: Envelope) {}
}
