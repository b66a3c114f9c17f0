/// What became of one recipient, as the delivery log line and the metrics name it: the three
/// successes (`250`) and the kinds of refusal.
public enum DeliveryStatus: String, Sendable, CaseIterable {
    /// At least one copy was stored.
    case delivered
    /// Every copy was already there (duplicate suppression): acknowledged, nothing stored.
    case duplicate
    /// The recipient's filter kept no copy (Sieve `discard`): acknowledged, nothing stored.
    case discarded
    /// Over quota (`452`/`552`).
    case overQuota = "over_quota"
    /// No such mailbox (`550 5.1.1`).
    case unknownUser = "unknown_user"
    /// Refused for good: not allowed, refused by the recipient's filter, or a message the
    /// server does not take (too big, malformed).
    case rejected
    /// Refused for now (`4xx`): storage full or failing, delivery disabled, busy.
    case temporaryFailure = "temporary_failure"
}

/// A successful delivery to one recipient: how it succeeded and where the copies are.
public struct DeliveryReceipt: Sendable, Equatable {
    /// `.delivered`, `.duplicate` or `.discarded`.
    public var status: DeliveryStatus
    /// The mailboxes that hold (or, for a duplicate, already held) the message, as
    /// `user[/folder]`; empty when discarded.
    public var mailboxes: [String]

    public init(status: DeliveryStatus, mailboxes: [String]) {
        self.status = status
        self.mailboxes = mailboxes
    }

    /// Stored into `mailboxes`.
    public static func delivered(_ mailboxes: [String]) -> DeliveryReceipt { DeliveryReceipt(status: .delivered, mailboxes: mailboxes) }
}

extension DeliveryFailure {
    /// The status a recipient refused with this failure has.
    public var status: DeliveryStatus {
        switch self {
        case .mailboxUnknown: return .unknownUser
        case .overQuota: return .overQuota
        case .permissionDenied, .rejected: return .rejected
        case .storageFull, .deliveryDisabled, .temporary: return .temporaryFailure
        case .relayed(let lines):
            let last = lines.last ?? ""
            if last.hasPrefix("4") { return last.contains("4.2.2") ? .overQuota : .temporaryFailure }
            if last.contains("5.1.1") { return .unknownUser }
            if last.contains("5.2.2") { return .overQuota }
            return .rejected
        }
    }
}
