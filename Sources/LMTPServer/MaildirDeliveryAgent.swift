import LMTP
import Logging
import Mailstore

/// Connects the LMTP engine to the Maildir store. RCPT resolves the recipient to its mailbox
/// (`MailboxResolver`: virtual domains, shared folders, autocreate, catch-all) and checks its
/// quota (`QuotaPolicy`); DATA spools into the first recipient's `tmp/`; delivery
/// (`MessageDelivery`) picks each recipient's folder, suppresses duplicates and hard-links the
/// file into every target's `new/`.
public final class MaildirDeliveryAgent: DeliveryAgent {
    public let store: Mailstore
    public let addressing: RecipientAddressing
    public let policy: DeliveryPolicy
    /// Storage errors are logged here in full; the client only sees Cyrus's short text.
    public var logger: Logger
    /// The filter stage (Sieve, or keep everything).
    var filter: any DeliveryFilter = KeepFilter()
    /// Where the messages a filter asks for are sent.
    var submitter: (any MailSubmitter)?
    /// What the last delivery still has to record once its replies are sent.
    private var deferred = DeferredRecords()

    public init(store: Mailstore, addressing: RecipientAddressing, policy: DeliveryPolicy, logger: Logger) {
        self.store = store
        self.addressing = addressing
        self.policy = policy
        self.logger = logger
    }

    private var resolver: MailboxResolver {
        MailboxResolver(store: store, addressing: addressing, policy: policy, logger: logger)
    }

    private var quota: QuotaPolicy {
        QuotaPolicy(store: store, strict: policy.strictQuota,
                    permanent: policy.overQuotaIsPermanent, logger: logger)
    }

    /// RCPT: the recipient's destination (autocreating its Maildir when allowed), within quota.
    public func verify(_ recipient: Recipient, sizeHint: Int?) -> Result<Destination, DeliveryFailure> {
        resolver.destination(for: recipient, create: true).flatMap { destination in
            if recipient.ignoreQuota || quota.admits(destination.mailbox, size: sizeHint ?? 0) {
                return .success(destination)
            }
            return .failure(quota.overQuota)
        }
    }

    public func openSpool(for recipients: [AcceptedRecipient<Destination>]) throws(DeliveryFailure) -> MaildirSpool {
        guard let first = recipients.first?.resolved else { throw .mailboxUnknown }
        let target: MailboxTarget
        switch first {
        case .user(let mailbox, _): target = MailboxTarget(mailbox)
        case .shared(let mailbox, let folder): target = MailboxTarget(mailbox, folder: folder)
        }
        do {
            return MaildirSpool(file: try store.openSpool(in: target), logger: logger)
        } catch {
            logger.error("cannot create spool file: \(error)", metadata: ["mailbox": "\(target)"])
            throw error.deliveryFailure
        }
    }

    public func deliver(_ spool: MaildirSpool, envelope: Envelope,
                        to recipients: [AcceptedRecipient<Destination>]) -> [Result<DeliveryReceipt, DeliveryFailure>] {
        var delivery = MessageDelivery(store: store, resolver: resolver, quota: quota,
                                       duplicates: policy.duplicates, logger: logger)
        delivery.filter = filter
        delivery.submitter = submitter
        delivery.tracking = policy.tracking
        repliesSent()
        return delivery.run(spool.file, envelope: envelope, to: recipients, deferring: &deferred)
    }

    /// Writes what the last delivery deferred (``DeferredRecords``).
    public func repliesSent() {
        deferred.write(duplicates: policy.duplicates, tracker: policy.tracking, logger: logger)
    }

    public func discard(_ spool: MaildirSpool) {
        store.discard(spool.file)
    }
}

/// The engine's view of a spool file in a Maildir's `tmp/`.
public final class MaildirSpool: MessageSpool {
    let file: SpoolFile
    private let logger: Logger

    init(file: SpoolFile, logger: Logger) {
        self.file = file
        self.logger = logger
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(DeliveryFailure) {
        do {
            try file.write(bytes)
        } catch {
            logger.error("writing spool file failed: \(error)")
            throw error.deliveryFailure
        }
    }

    public var size: Int { file.size }
}

extension StoreError {
    /// The LMTP failure a storage error is answered with (Cyrus's texts: no paths reach the
    /// client; the details are logged).
    var deliveryFailure: DeliveryFailure {
        switch self {
        case .storageFull: return .storageFull
        case .mailboxMissing, .invalidMailbox: return .mailboxUnknown
        case .io: return .temporary("System I/O error")
        }
    }
}
