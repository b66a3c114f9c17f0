import LMTP
import Logging
import Mailstore

/// Connects the LMTP engine to the Maildir store: recipients become mailbox addresses,
/// the spool is a file in the first recipient's `tmp/`, delivery hard-links it into every
/// recipient's `new/`.
public final class MaildirDeliveryAgent: DeliveryAgent {
    public let store: Mailstore
    public let addressing: RecipientAddressing
    /// Storage errors are logged here in full; the client only sees Cyrus's short text.
    public var logger: Logger

    public init(store: Mailstore, addressing: RecipientAddressing, logger: Logger) {
        self.store = store
        self.addressing = addressing
        self.logger = logger
    }

    public func verify(_ recipient: Recipient, sizeHint: Int?) -> Result<Void, DeliveryFailure> {
        guard let mailbox = addressing.mailbox(for: recipient), store.mailboxExists(mailbox) else {
            return .failure(.mailboxUnknown)
        }
        return .success(())
    }

    public func openSpool(for recipients: [Recipient]) throws(DeliveryFailure) -> MaildirSpool {
        guard let first = recipients.lazy.compactMap({ self.addressing.mailbox(for: $0) }).first else {
            throw .mailboxUnknown
        }
        do {
            return MaildirSpool(file: try store.openSpool(in: first), logger: logger)
        } catch {
            logger.error("cannot create spool file: \(error)", metadata: ["mailbox": "\(first)"])
            throw error.deliveryFailure
        }
    }

    public func deliver(_ spool: MaildirSpool, envelope: Envelope, to recipients: [Recipient]) -> [Result<Void, DeliveryFailure>] {
        // Recipients that no longer map to a mailbox (cannot happen after verify, but the
        // engine's contract allows it) are answered on their own.
        var slots: [Int] = []
        var mailboxes: [MailboxAddress] = []
        var results = [Result<Void, DeliveryFailure>](repeating: .failure(.mailboxUnknown), count: recipients.count)
        for (index, recipient) in recipients.enumerated() {
            if let mailbox = addressing.mailbox(for: recipient) {
                slots.append(index)
                mailboxes.append(mailbox)
            }
        }
        if mailboxes.isEmpty {
            store.discard(spool.file)
            return results
        }
        for (index, outcome) in store.deliver(spool.file, to: mailboxes).enumerated() {
            switch outcome {
            case .success:
                results[slots[index]] = .success(())
            case .failure(let error):
                logger.error("delivery failed: \(error)", metadata: ["mailbox": "\(mailboxes[index])"])
                results[slots[index]] = .failure(error.deliveryFailure)
            }
        }
        return results
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
