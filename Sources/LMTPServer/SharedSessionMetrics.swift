import Glibc
import LMTP
import Logging
import Metrics
import Sieve

/// lmtpd's ``SessionMetrics``: every count goes into this process's slot of minimaster's shared
/// counter region (``CounterRegion``), summed by minimaster when it is scraped.
public final class SharedSessionMetrics: SessionMetrics {
    let counters: ChildCounters

    public init(counters: ChildCounters) {
        self.counters = counters
    }

    public func session(active: Bool) {
        if active { counters.add(.connections) }
        counters.set(.activeConnection, active ? 1 : 0)
    }

    public func messageReceived(size: Int, recipients: Int) {
        counters.add(.messages)
        counters.add(.bytes, UInt64(max(0, size)))
        counters.add(.recipients, UInt64(max(0, recipients)))
        counters.observe(.size, Double(size))
    }

    public func recipient(_ status: DeliveryStatus) {
        counters.add(index: SlotWord.outcomes.rawValue + Self.outcomeIndex(status))
    }

    public func deliveryLatency(_ seconds: Double) {
        counters.observe(.latency, seconds)
    }

    public func authentication(succeeded: Bool) {
        counters.add(succeeded ? .authSuccess : .authFailure)
    }

    public func startTLS(succeeded: Bool) {
        counters.add(succeeded ? .startTLSSuccess : .startTLSFailure)
    }

    /// This process's slot, when minimaster passed its counter region (``CounterRegion``:
    /// `MINIMASTER_METRICS_FD` names fd 5): mapped, the descriptor closed, a slot claimed. Nil
    /// (and the reason logged) otherwise; a child of Cyrus's own master has none.
    public static func attachToMaster(logger: Logger) -> ChildCounters? {
        guard let value = getenv(CounterRegion.environmentVariable).map({ String(cString: $0) }) else { return nil }
        guard let fd = Int32(value), fd == CounterRegion.inheritedFD, let region = CounterRegion.attach(fd: fd) else {
            logger.warning("\(CounterRegion.environmentVariable)=\(value) names no counter region: not counting")
            return nil
        }
        guard let counters = region.claim(pid: getpid()) else {
            logger.warning("every slot of the counter region is taken: this process is not counted")
            return nil
        }
        return counters
    }

    /// The word offset of `status` among the outcome words (``OutcomeIndex/names`` order).
    static func outcomeIndex(_ status: DeliveryStatus) -> Int {
        switch status {
        case .delivered: 0
        case .duplicate: 1
        case .discarded: 2
        case .overQuota: 3
        case .unknownUser: 4
        case .rejected: 5
        case .temporaryFailure: 6
        }
    }

    /// Counts the actions of one script run (`cyrus_lmtp_sieve_*_total`): a store into the
    /// INBOX is a keep (explicit or implicit), any other store a fileinto.
    static func count(_ actions: [SieveAction], into counters: ChildCounters) {
        for action in actions {
            switch action {
            case .store(let mailbox, _, _, _, _):
                counters.add(mailbox.uppercased() == "INBOX" ? .sieveKeep : .sieveFileinto)
            case .redirect: counters.add(.sieveRedirect)
            case .reject: counters.add(.sieveReject)
            case .discard: counters.add(.sieveDiscard)
            case .vacation: counters.add(.sieveVacation)
            case .duplicateTrack: break
            }
        }
    }
}
