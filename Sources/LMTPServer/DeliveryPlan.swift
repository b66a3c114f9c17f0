import LMTP
import Mailstore

/// What one recipient's message becomes, as its filter decided: the copies to store (each with
/// its folder and flags), or nothing (discard), or a refusal. The delivery pipeline
/// (``MessageDelivery``) carries it out for all recipients of a message at once.
struct DeliveryPlan: Equatable {
    /// Where one copy goes.
    enum Placement: Equatable, Hashable {
        /// Where the recipient's address points: its INBOX, its usable `+detail` folder, or the
        /// shared folder it names (``MailboxResolver/target(for:identity:)``).
        case addressed
        /// The INBOX of the recipient's Maildir, whatever the address said.
        case inbox
        /// A folder of the recipient's Maildir; created first when `create` is set.
        case folder(FolderName, create: Bool)
    }

    /// One copy to store.
    struct Copy: Equatable, Hashable {
        var placement: Placement
        var flags = MessageFlags()
        /// The header this copy is stored with instead of the received one (Sieve's
        /// editheader); nil: the message as received.
        var header: ReplacedHeader? = nil
    }

    /// The copies, in order (none: the message is discarded for this recipient).
    var copies: [Copy]
    /// Set: the recipient is refused with this failure instead (nothing stored for it).
    var refusal: DeliveryFailure?
    /// Messages to send for this recipient (redirects, a vacation reply, a refusal notice):
    /// the recipient succeeds only once the MTA has taken every one.
    var outgoing: [OutgoingMessage] = []
    /// Tracking records to keep once this recipient's delivery succeeded.
    var tracking: [TrackingRecord] = []

    init(copies: [Copy], refusal: DeliveryFailure?, outgoing: [OutgoingMessage] = [], tracking: [TrackingRecord] = []) {
        self.copies = copies
        self.refusal = refusal
        self.outgoing = outgoing
        self.tracking = tracking
    }

    /// The plan without a filter: one copy where the address points (Cyrus's implicit keep).
    static let keep = DeliveryPlan(copies: [Copy(placement: .addressed)], refusal: nil)
}

/// The filter stage of the pipeline: decides each recipient's ``DeliveryPlan``. It runs once
/// per recipient, for that recipient alone, after the message is spooled.
protocol DeliveryFilter {
    func plan(for recipient: AcceptedRecipient<Destination>, envelope: Envelope, message: SpooledMessage) -> DeliveryPlan
}

/// No filtering: every recipient keeps the message where its address points.
struct KeepFilter: DeliveryFilter {
    func plan(for recipient: AcceptedRecipient<Destination>, envelope: Envelope, message: SpooledMessage) -> DeliveryPlan {
        .keep
    }
}

/// The spooled message, read from its file only when a filter asks for the bytes.
final class SpooledMessage {
    private let load: () -> [UInt8]?
    private var loaded: [UInt8]??

    init(size: Int, load: @escaping () -> [UInt8]?) {
        self.size = size
        self.load = load
    }

    /// The stored size in bytes.
    let size: Int

    /// The whole message as stored (nil when it cannot be read back).
    var bytes: [UInt8]? {
        if let loaded { return loaded }
        let value = load()
        loaded = .some(value)
        return value
    }
}
