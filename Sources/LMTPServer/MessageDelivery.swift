import DuplicateStore
import Glibc
import LMTP
import Logging
import Mailstore

/// Delivery of one finished message to its recipients, as a pipeline over all of them at once
/// (so the file is written once and hard-linked everywhere):
///
/// 1. resolve: done at RCPT (each recipient's ``Destination`` arrives with it);
/// 2. filter: each recipient's ``DeliveryPlan`` (``DeliveryFilter``: keep, or its Sieve
///    script), for that recipient alone: copies with folders and flags, discard, or refusal;
/// 3. place: each copy's target (the address's folder, the INBOX, a folder created on
///    demand); equal targets with equal flags share one copy;
/// 4. dedupe: duplicate suppression claims (Message-ID, target, Date) per target; a target
///    already delivered is acknowledged without storing;
/// 5. quota: per recipient unless `IGNOREQUOTA` (a copy is stored when one of its recipients
///    passes);
/// 6. store: one spool file linked into every copy's `new/` (or `cur/` with flags), fsynced;
///    a copy whose header a Sieve script edited is a file of its own;
/// 7. send: the messages each plan asked for (redirects, vacation replies), handed to the MTA
///    after the copies are stored; one the MTA refuses makes that recipient's reply temporary;
/// 8. record: `maildirsize` lines; the duplicate claims' outcomes and the Sieve tracking
///    records of the recipients that succeeded (those that send write theirs just before
///    sending) are handed back as ``DeferredRecords``, written once the replies are sent. A
///    recipient succeeds only when every copy its plan asked for is stored and every message
///    it asked for is sent.
struct MessageDelivery {
    let store: Mailstore
    let resolver: MailboxResolver
    let quota: QuotaPolicy
    let duplicates: DuplicateFilter?
    var filter: any DeliveryFilter = KeepFilter()
    /// Where outgoing messages go (nil: a plan that sends anything fails temporarily).
    var submitter: (any MailSubmitter)?
    /// Where tracking records go (nil: they are not kept).
    var tracking: DuplicateFilter?
    let logger: Logger

    /// One distinct stored copy and the recipients (indices) that share it.
    private struct Copy {
        var request: StoreRequest
        /// The header this copy is stored with instead of the received one (editheader).
        var header: ReplacedHeader?
        var recipients: [Int]
        var key: DuplicateKey?
        var claimed = false
    }

    typealias Results = [Result<Void, DeliveryFailure>]

    /// Where each recipient's copies went: stored, or found already delivered.
    private struct Whereabouts {
        var stored: [String] = []
        var duplicates: [String] = []

        /// The receipt of a recipient that succeeded (each mailbox named once).
        var receipt: DeliveryReceipt {
            if !stored.isEmpty { return .delivered(Self.once(stored)) }
            if !duplicates.isEmpty { return DeliveryReceipt(status: .duplicate, mailboxes: Self.once(duplicates)) }
            return DeliveryReceipt(status: .discarded, mailboxes: [])
        }

        private static func once(_ names: [String]) -> [String] {
            var seen = Set<String>()
            return names.filter { seen.insert($0).inserted }
        }
    }

    /// Delivers and returns one result per recipient; what is left to record goes to `deferred`.
    func run(_ spool: SpoolFile, envelope: Envelope, to accepted: [AcceptedRecipient<Destination>],
             deferring deferred: inout DeferredRecords) -> [Result<DeliveryReceipt, DeliveryFailure>] {
        let recipients = accepted.map { $0.recipient }
        var results = Results(repeating: .success(()), count: recipients.count)
        var whereabouts = [Whereabouts](repeating: Whereabouts(), count: recipients.count)
        let message = SpooledMessage(size: spool.size) { [logger] in
            do { return try spool.contents(limit: Int.max) } catch {
                logger.error("cannot read the spooled message back: \(error)")
                return nil
            }
        }
        let plans = accepted.map { filter.plan(for: $0, envelope: envelope, message: message) }
        var copies = place(accepted, plans: plans, envelope: envelope, results: &results)
        let verdicts = claim(&copies, envelope: envelope)

        var toStore: [Int] = []
        for (index, copy) in copies.enumerated() {
            switch verdicts[index] {
            case .suppress:
                for recipient in copy.recipients { whereabouts[recipient].duplicates.append("\(copy.request.target)") }
            case .busy:
                fail(copy.recipients, .temporary("Message is being delivered by another process"), &results)
            case .deliver:
                if admitQuota(copy, recipients: recipients, size: spool.size, results: &results) { toStore.append(index) }
            }
        }

        var delivered: [DuplicateKey] = []
        var failed: [DuplicateKey] = []
        let rewritten = toStore.filter { copies[$0].header != nil }
        let shared = toStore.filter { copies[$0].header == nil }
        var outcomes = rewritten.map { storeRewritten(copies[$0], message: message) }
        if shared.isEmpty {
            store.discard(spool)
        } else {
            outcomes += store.deliver(spool, to: shared.map { copies[$0].request })
        }
        for (copyIndex, outcome) in zip(rewritten + shared, outcomes) {
            let copy = copies[copyIndex]
            switch outcome {
            case .success(let stored):
                quota.record(stored)
                if copy.claimed, let key = copy.key { delivered.append(key) }
                for recipient in copy.recipients { whereabouts[recipient].stored.append("\(copy.request.target)") }
            case .failure(let error):
                logger.error("delivery failed: \(error)", metadata: ["mailbox": "\(copy.request.target)"])
                fail(copy.recipients, error.deliveryFailure, &results)
                if copy.claimed, let key = copy.key { failed.append(key) }
            }
        }
        for (index, copy) in copies.enumerated() where copy.claimed && !toStore.contains(index) {
            if let key = copy.key { failed.append(key) }
        }
        deferred.delivered += delivered
        deferred.failed += failed
        if plans.contains(where: { !$0.outgoing.isEmpty }) {
            // A crash while the MTA takes a message must leave the copies recorded, so that the
            // retry stores none again.
            deferred.write(duplicates: duplicates, tracker: tracking, logger: logger)
        }
        send(plans, &results)
        // Records of recipients that sent nothing (`duplicate`); senders wrote theirs in send().
        deferred.tracking += plans.indices.filter { isSuccess(results[$0]) && plans[$0].outgoing.isEmpty }
            .flatMap { plans[$0].tracking }
        return results.indices.map { index in results[index].map { whereabouts[index].receipt } }
    }

    /// Hands each succeeding recipient's outgoing messages to the MTA; the first refusal makes
    /// that recipient's reply temporary (its stored copies stay: a retry finds them through
    /// duplicate suppression). The recipient's tracking records are written before the first
    /// message goes, so a crash after the MTA took a vacation reply cannot lead to a second one
    /// on the retry; a refusal removes them again, so the retry sends.
    private func send(_ plans: [DeliveryPlan], _ results: inout Results) {
        for (index, plan) in plans.enumerated() where isSuccess(results[index]) && !plan.outgoing.isEmpty {
            guard let submitter else {
                results[index] = .failure(.temporary("Cannot send mail"))
                continue
            }
            tracking?.track(plan.tracking, logger: logger)
            for message in plan.outgoing {
                if case .failure(let failure) = submitter.submit(message) {
                    logger.error("sending to \(message.recipients.joined(separator: ", ")) failed: \(failure)")
                    results[index] = .failure(.temporary("Cannot send mail"))
                    tracking?.untrack(plan.tracking, logger: logger)
                    break
                }
                logger.info("sent mail from <\(message.sender)> to \(message.recipients.joined(separator: ", "))")
            }
        }
    }

    /// Turns every recipient's plan into store requests and groups equal requests, in
    /// first-seen order. Recipients refused (by their plan, or because a copy cannot be
    /// placed) get their failure in `results`; a discarding plan places nothing.
    private func place(_ recipients: [AcceptedRecipient<Destination>], plans: [DeliveryPlan], envelope: Envelope,
                       results: inout Results) -> [Copy] {
        var copies: [Copy] = []
        var indexOf: [CopyKey: Int] = [:]
        for (index, recipient) in recipients.enumerated() {
            let plan = plans[index]
            if let refusal = plan.refusal {
                results[index] = .failure(refusal)
                continue
            }
            var requests: [CopyKey] = []
            for planned in plan.copies {
                switch target(planned.placement, for: recipient.resolved, identity: envelope.authorizedIdentity) {
                case .failure(let failure):
                    results[index] = .failure(failure)
                case .success(let target):
                    let request = CopyKey(request: StoreRequest(target, flags: planned.flags), header: planned.header)
                    if !requests.contains(request) { requests.append(request) }
                }
            }
            guard case .success = results[index] else { continue }
            for request in requests {
                if let existing = indexOf[request] {
                    copies[existing].recipients.append(index)
                } else {
                    indexOf[request] = copies.count
                    copies.append(Copy(request: request.request, header: request.header, recipients: [index],
                                       key: key(for: request.request.target, envelope)))
                }
            }
        }
        return copies
    }

    /// What makes two planned copies one stored file.
    private struct CopyKey: Hashable {
        var request: StoreRequest
        var header: ReplacedHeader?
    }

    /// A copy with a header of its own: its own file (the new header, then the received
    /// body), written, fsynced and linked like any other.
    private func storeRewritten(_ copy: Copy, message: SpooledMessage) -> Result<DeliveredMessage, StoreError> {
        guard let header = copy.header, let bytes = message.bytes else {
            return .failure(.io(operation: "read the spooled message back", errno: EIO, message: "unreadable"))
        }
        do throws(StoreError) {
            let spool = try store.openSpool(in: copy.request.target)
            var failure: StoreError?
            for part in [header.bytes[...], bytes[header.bodyStart...]] where failure == nil {
                part.withUnsafeBytes { buffer in
                    do throws(StoreError) { try spool.write(buffer) } catch { failure = error }
                }
            }
            if let failure {
                store.discard(spool)
                throw failure
            }
            return store.deliver(spool, to: [copy.request])[0]
        } catch {
            return .failure(error)
        }
    }

    /// Where one planned copy of `destination`'s recipient is stored.
    private func target(_ placement: DeliveryPlan.Placement, for destination: Destination,
                        identity: String?) -> Result<MailboxTarget, DeliveryFailure> {
        switch placement {
        case .addressed:
            return resolver.target(for: destination, identity: identity)
        case .inbox:
            return .success(MailboxTarget(destination.mailbox))
        case .folder(let folder, let create):
            let target = MailboxTarget(destination.mailbox, folder: folder)
            if store.targetExists(target) { return .success(target) }
            guard create else { return .failure(.mailboxUnknown) }
            do {
                try store.createFolder(target)
                logger.info("created folder", metadata: ["mailbox": "\(target)"])
                return .success(target)
            } catch {
                logger.error("cannot create folder: \(error)", metadata: ["mailbox": "\(target)"])
                return .failure(error.deliveryFailure)
            }
        }
    }

    /// Claims the duplicate keys of all copies at once (no database without suppression or
    /// without a Message-ID). Copies of one target with different flags share its key: the
    /// first is claimed, the others follow its verdict.
    private func claim(_ copies: inout [Copy], envelope: Envelope) -> [DuplicateFilter.Verdict] {
        var verdicts = [DuplicateFilter.Verdict](repeating: .deliver(claimed: false), count: copies.count)
        guard let duplicates else { return verdicts }
        var firstOfKey: [DuplicateKey: Int] = [:]
        var tracked: [Int] = []
        for index in copies.indices {
            guard let key = copies[index].key, firstOfKey[key] == nil else { continue }
            firstOfKey[key] = index
            tracked.append(index)
        }
        let outcomes = duplicates.claim(tracked.compactMap { copies[$0].key }, logger: logger)
        for (index, verdict) in zip(tracked, outcomes) {
            verdicts[index] = verdict
            copies[index].claimed = verdict == .deliver(claimed: true)
        }
        for index in copies.indices {
            guard let key = copies[index].key, let first = firstOfKey[key], first != index else { continue }
            verdicts[index] = verdicts[first] == .deliver(claimed: true) ? .deliver(claimed: false) : verdicts[first]
        }
        return verdicts
    }

    /// The quota check at delivery, per recipient of a copy: true when at least one may
    /// receive it; the others are answered over quota.
    private func admitQuota(_ copy: Copy, recipients: [Recipient], size: Int, results: inout Results) -> Bool {
        var admitted = false
        var checked: Bool?
        for index in copy.recipients {
            if recipients[index].ignoreQuota {
                admitted = admitted || isSuccess(results[index])
                continue
            }
            let fits = checked ?? quota.admits(copy.request.target.mailbox, size: size)
            checked = fits
            if fits { admitted = admitted || isSuccess(results[index]) } else { results[index] = .failure(quota.overQuota) }
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

    private func fail(_ indices: [Int], _ failure: DeliveryFailure, _ results: inout Results) {
        for index in indices where isSuccess(results[index]) { results[index] = .failure(failure) }
    }

    private func isSuccess(_ result: Result<Void, DeliveryFailure>) -> Bool {
        if case .success = result { return true }
        return false
    }
}
