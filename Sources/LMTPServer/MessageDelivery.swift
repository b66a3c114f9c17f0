import DuplicateStore
import LMTP
import Logging
import Mailstore

/// Delivery of one finished message to its recipients (Cyrus's `deliver()` per recipient,
/// done for all at once so the file is written once and hard-linked):
///
/// 1. each recipient's target: its INBOX, its `+detail` folder, or a shared folder;
/// 2. recipients with the same target share one copy (Cyrus: one copy per mailbox per message);
/// 3. duplicate suppression claims (Message-ID, target, Date) per target; a target already
///    delivered is acknowledged without storing;
/// 4. quota per recipient unless `IGNOREQUOTA` (a target is stored when one of its recipients
///    passes);
/// 5. store, count the new messages in `maildirsize`, record the duplicate keys.
struct MessageDelivery {
    let store: Mailstore
    let resolver: MailboxResolver
    let quota: QuotaPolicy
    let duplicates: DuplicateFilter?
    let logger: Logger

    /// One distinct target and the recipients (indices) that share it.
    private struct Copy {
        var target: MailboxTarget
        var recipients: [Int]
        var key: DuplicateKey?
        var claimed = false
    }

    func run(_ spool: SpoolFile, envelope: Envelope, to accepted: [AcceptedRecipient<Destination>]) -> [Result<Void, DeliveryFailure>] {
        let recipients = accepted.map(\.recipient)
        var results = [Result<Void, DeliveryFailure>](repeating: .success(()), count: recipients.count)
        var copies = group(accepted, envelope: envelope, results: &results)
        let verdicts = claim(&copies, envelope: envelope)

        var toStore: [Int] = []
        for (index, copy) in copies.enumerated() {
            switch verdicts[index] {
            case .suppress:
                logger.info("duplicate suppressed: \(envelope.messageID ?? "") to mailbox: \(copy.target)")
            case .busy:
                for recipient in copy.recipients { results[recipient] = .failure(.temporary("Message is being delivered by another process")) }
            case .deliver:
                if admitQuota(copy, recipients: recipients, size: spool.size, results: &results) { toStore.append(index) }
            }
        }

        var delivered: [DuplicateKey] = []
        var failed: [DuplicateKey] = []
        if toStore.isEmpty {
            store.discard(spool)
        } else {
            let outcomes = store.deliver(spool, to: toStore.map { copies[$0].target })
            for (copyIndex, outcome) in zip(toStore, outcomes) {
                let copy = copies[copyIndex]
                switch outcome {
                case .success(let message):
                    quota.record(message)
                    if copy.claimed, let key = copy.key { delivered.append(key) }
                case .failure(let error):
                    logger.error("delivery failed: \(error)", metadata: ["mailbox": "\(copy.target)"])
                    for recipient in copy.recipients where isSuccess(results[recipient]) {
                        results[recipient] = .failure(error.deliveryFailure)
                    }
                    if copy.claimed, let key = copy.key { failed.append(key) }
                }
            }
        }
        for (index, copy) in copies.enumerated() where copy.claimed && !toStore.contains(index) {
            if let key = copy.key { failed.append(key) }
        }
        duplicates?.finish(delivered: delivered, failed: failed, logger: logger)
        return results
    }

    /// Resolves every recipient to a target and groups equal targets, in first-seen order.
    /// Recipients that cannot be delivered get their failure in `results`.
    private func group(_ recipients: [AcceptedRecipient<Destination>], envelope: Envelope,
                       results: inout [Result<Void, DeliveryFailure>]) -> [Copy] {
        var copies: [Copy] = []
        var indexOf: [MailboxTarget: Int] = [:]
        for (index, recipient) in recipients.enumerated() {
            switch resolver.target(for: recipient.resolved, identity: envelope.authorizedIdentity) {
            case .failure(let failure):
                results[index] = .failure(failure)
            case .success(let target):
                if let existing = indexOf[target] {
                    copies[existing].recipients.append(index)
                } else {
                    indexOf[target] = copies.count
                    copies.append(Copy(target: target, recipients: [index], key: key(for: target, envelope)))
                }
            }
        }
        return copies
    }

    /// Claims the duplicate keys of all copies at once (no database without suppression or
    /// without a Message-ID).
    private func claim(_ copies: inout [Copy], envelope: Envelope) -> [DuplicateFilter.Verdict] {
        var verdicts = [DuplicateFilter.Verdict](repeating: .deliver(claimed: false), count: copies.count)
        guard let duplicates else { return verdicts }
        let tracked = copies.indices.filter { copies[$0].key != nil }
        let outcomes = duplicates.claim(tracked.compactMap { copies[$0].key }, logger: logger)
        for (index, verdict) in zip(tracked, outcomes) {
            verdicts[index] = verdict
            copies[index].claimed = verdict == .deliver(claimed: true)
        }
        return verdicts
    }

    /// The quota check at delivery, per recipient of a copy: true when at least one may
    /// receive it; the others are answered over quota.
    private func admitQuota(_ copy: Copy, recipients: [Recipient], size: Int, results: inout [Result<Void, DeliveryFailure>]) -> Bool {
        var admitted = false
        var checked: Bool?
        for index in copy.recipients {
            if recipients[index].ignoreQuota {
                admitted = true
                continue
            }
            let fits = checked ?? quota.admits(copy.target.mailbox, size: size)
            checked = fits
            if fits { admitted = true } else { results[index] = .failure(quota.overQuota) }
        }
        return admitted
    }

    /// Cyrus's duplicate key: Message-ID and Date as received, and the mailbox; nil (never
    /// suppressed) when the message has no Message-ID.
    private func key(for target: MailboxTarget, _ envelope: Envelope) -> DuplicateKey? {
        guard duplicates != nil, let messageID = envelope.messageID, !messageID.isEmpty else { return nil }
        var mailbox = target.mailbox.qualifiedUser
        if let folder = target.folder { mailbox += "/" + folder.directoryName }
        return DuplicateKey(messageID: messageID, mailbox: mailbox, date: envelope.date ?? "")
    }

    private func isSuccess(_ result: Result<Void, DeliveryFailure>) -> Bool {
        if case .success = result { return true }
        return false
    }
}
