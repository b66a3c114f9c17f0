// Metrics: depends on libc, CShims (shared-memory words) and POSIXCore; nothing else of ours.

/// What one child's slot in the shared counter region holds: 64-bit words at fixed indices.
/// Word 0 is the owner (the child's pid while it lives, 0 when free); the others are counters
/// the child only ever adds to (and one gauge it sets), so that summing the slots of the
/// living children and the totals of the dead ones gives every counter exactly.
public enum SlotWord: Int, CaseIterable, Sendable {
    case owner = 0
    /// LMTP connections served (`cyrus_lmtp_connections_total`).
    case connections
    /// 1 while a session is open (`cyrus_lmtp_active_connections`, a gauge).
    case activeConnection
    /// Messages received to the end (`cyrus_lmtp_received_messages_total`).
    case messages
    /// Their bytes as stored (`cyrus_lmtp_received_bytes_total`).
    case bytes
    /// Their recipients (`cyrus_lmtp_received_recipients_total`).
    case recipients
    case authSuccess, authFailure
    case startTLSSuccess, startTLSFailure
    case sieveKeep, sieveFileinto, sieveRedirect, sieveVacation, sieveReject, sieveDiscard
    /// Recipient outcomes, one word per ``OutcomeIndex`` (in its order).
    case outcomes
    /// The delivery-latency histogram's buckets (``Histogram/latency``), then its sum (in
    /// microseconds) and count.
    case latency = 24
    /// The message-size histogram's buckets (``Histogram/size``), then its sum (bytes) and count.
    case size = 40

    /// Words per slot (a power of two; 56 are used).
    public static let count = 64
}

/// The recipient outcomes counted per slot, in their word order after ``SlotWord/outcomes``:
/// `delivered`, `duplicate`, `discarded`, `over_quota`, `unknown_user`, `rejected`,
/// `temporary_failure` (the names the delivery log line uses).
public enum OutcomeIndex {
    public static let names = ["delivered", "duplicate", "discarded", "over_quota", "unknown_user", "rejected", "temporary_failure"]
}

/// A histogram's upper bounds; its words are one per bound, one for `+Inf`, the sum, the count.
public struct Histogram: Sendable {
    /// Where its words start in a slot.
    public let first: SlotWord
    /// Upper bounds of the finite buckets, ascending.
    public let bounds: [Double]
    /// How a value is scaled into the integer sum word (1e6: seconds summed as microseconds).
    public let sumScale: Double

    /// Seconds from the end of a message to its replies: 5 ms .. 10 s.
    public static let latency = Histogram(first: .latency, bounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
                                          sumScale: 1e6)
    /// Message sizes in bytes: 1 KiB .. 64 MiB.
    public static let size = Histogram(first: .size, bounds: [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
                                       sumScale: 1)

    /// Words it takes: buckets (with `+Inf`), sum, count.
    public var wordCount: Int { bounds.count + 3 }
    /// The word of the bucket a value falls in (non-cumulative: each observation counts once).
    public func bucketWord(for value: Double) -> Int {
        var index = 0
        while index < bounds.count && value > bounds[index] { index += 1 }
        return first.rawValue + index
    }
    public var sumWord: Int { first.rawValue + bounds.count + 1 }
    public var countWord: Int { first.rawValue + bounds.count + 2 }
}
