/// What makes two deliveries the same, as in Cyrus (`imap/duplicate.c`): the message's
/// `Message-ID:` as received, the target mailbox, and the `Date:` header as received.
public struct DuplicateKey: Sendable, Hashable, CustomStringConvertible {
    /// The Message-ID header value (never empty: messages without one are not tracked).
    public var messageID: String
    /// A stable name of the target mailbox (user and folder).
    public var mailbox: String
    /// The Date header value, empty when the message had none.
    public var date: String

    public init(messageID: String, mailbox: String, date: String) {
        self.messageID = messageID
        self.mailbox = mailbox
        self.date = date
    }

    public var description: String { "\(messageID) to \(mailbox) (\(date))" }
}

/// What a claim on a key found.
public enum ClaimOutcome: Sendable, Equatable {
    /// The key is ours: deliver, then `complete` it (or `release` it when delivery failed).
    case claimed
    /// The message was already delivered to that mailbox: do not store it again.
    case delivered
    /// Another live process is delivering it right now: ask again shortly.
    case inProgress
}
