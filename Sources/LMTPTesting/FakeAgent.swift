import LMTP

/// An in-memory `DeliveryAgent`: accepts everyone unless told otherwise, and records every call.
public final class FakeAgent: DeliveryAgent {
    /// RCPT verdicts by user; users not listed are accepted.
    public var verdicts: [String: DeliveryFailure] = [:]
    /// RCPT verdicts decided per recipient (asked after `verdicts`); nil return: accepted.
    public var verdict: ((Recipient) -> DeliveryFailure?)?
    /// Delivery results by user; users not listed succeed.
    public var deliveryFailures: [String: DeliveryFailure] = [:]
    /// Delivery results decided per recipient (asked after `deliveryFailures`); nil: success.
    public var deliveryFailure: ((Recipient) -> DeliveryFailure?)?
    /// When set, `openSpool` throws it.
    public var openFailure: DeliveryFailure?
    /// New spools fail every write after this many bytes.
    public var spoolFailAfter: Int?
    /// What failing spools throw.
    public var spoolFailure: DeliveryFailure = .storageFull

    /// Every `verify` call.
    public private(set) var verified: [(recipient: Recipient, sizeHint: Int?)] = []
    /// The recipients `verify` accepted, in order.
    public private(set) var accepted: [Recipient] = []
    /// Every spool opened, in order.
    public private(set) var opened: [FakeSpool] = []
    /// Every `deliver` call.
    public private(set) var delivered: [(spool: FakeSpool, envelope: Envelope, recipients: [Recipient])] = []
    /// The results each `deliver` call returned (same order as `delivered`).
    public private(set) var deliveryResults: [[Result<DeliveryReceipt, DeliveryFailure>]] = []
    /// What each `deliver` call was handed as resolved at RCPT (the `verify` call's number).
    public private(set) var deliveredResolutions: [[Int]] = []
    /// Every `discard` call.
    public private(set) var discarded: [FakeSpool] = []

    public init() {}

    /// RCPT: the number of this `verify` call stands for what a real agent resolves.
    public func verify(_ recipient: Recipient, sizeHint: Int?) -> Result<Int, DeliveryFailure> {
        verified.append((recipient, sizeHint))
        if let failure = verdicts[recipient.user] ?? verdict?(recipient) { return .failure(failure) }
        accepted.append(recipient)
        return .success(verified.count)
    }

    public func openSpool(for accepted: [AcceptedRecipient<Int>]) throws(DeliveryFailure) -> FakeSpool {
        if let openFailure { throw openFailure }
        let spool = FakeSpool(recipients: accepted.map(\.recipient))
        spool.failAfter = spoolFailAfter
        spool.failure = spoolFailure
        opened.append(spool)
        return spool
    }

    public func deliver(_ spool: FakeSpool, envelope: Envelope, to accepted: [AcceptedRecipient<Int>]) -> [Result<DeliveryReceipt, DeliveryFailure>] {
        let recipients = accepted.map(\.recipient)
        delivered.append((spool, envelope, recipients))
        deliveredResolutions.append(accepted.map(\.resolved))
        spool.closed = true
        let results: [Result<DeliveryReceipt, DeliveryFailure>] = recipients.map { recipient in
            if let failure = deliveryFailures[recipient.user] ?? deliveryFailure?(recipient) { return .failure(failure) }
            return .success(.delivered([recipient.user]))
        }
        deliveryResults.append(results)
        return results
    }

    public func discard(_ spool: FakeSpool) {
        discarded.append(spool)
        spool.closed = true
    }

    /// The stored bytes of the only delivered message.
    public var storedText: String? {
        delivered.count == 1 ? delivered[0].spool.text : nil
    }
}
