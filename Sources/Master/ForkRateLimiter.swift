/// `maxforkrate` (`master/master.c: service_is_fork_limited()`): an exponentially decaying
/// estimate of forks per second, updated every ``interval`` seconds as
/// `rate = alpha * rate + (1 - alpha) * forks / elapsed`; while the estimate is at or above
/// the cap no child is forked and master looks again ``interval`` seconds later.
///
/// One addition to Cyrus: the forks of the current interval count too (a burst is capped at
/// `maxforkrate * interval` forks before the first update), so a prefork burst or a crashing
/// program cannot fork far beyond the cap in the first fraction of a second.
public struct ForkRateLimiter: Sendable, Equatable {
    /// Seconds between estimate updates (Cyrus's `FORKRATE_INTERVAL`).
    public static let interval = 0.4
    /// Weight of the previous estimate (Cyrus's `FORKRATE_ALPHA`).
    public static let alpha = 0.5

    /// Forks per second allowed; 0 = unlimited.
    public var maxRate: Int
    /// The current estimate, forks per second.
    public private(set) var rate = 0.0
    private var intervalStart: Double?
    private var intervalForks = 0

    public init(maxRate: Int) {
        self.maxRate = max(0, maxRate)
    }

    /// Whether a fork is allowed at `now`.
    public mutating func allows(now: Double) -> Bool {
        guard maxRate > 0 else { return true }
        update(now: now)
        let burstCap = max(1.0, Double(maxRate) * Self.interval)
        return rate < Double(maxRate) && Double(intervalForks) < burstCap
    }

    /// Records a fork at `now`.
    public mutating func recordFork(now: Double) {
        guard maxRate > 0 else { return }
        update(now: now)
        intervalForks += 1
    }

    /// When to look again after ``allows(now:)`` said no.
    public func nextCheck(after now: Double) -> Double { now + Self.interval }

    private mutating func update(now: Double) {
        guard let start = intervalStart else {
            intervalStart = now
            return
        }
        let elapsed = now - start
        if elapsed >= Self.interval {
            rate = Self.alpha * rate + (1 - Self.alpha) * Double(intervalForks) / elapsed
            intervalStart = now
            intervalForks = 0
        }
    }
}
