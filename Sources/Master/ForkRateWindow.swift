/// Forks per second over the last ``span`` seconds, for `minimaster status`. The fork-rate
/// limiter's own estimate (``ForkRateLimiter``) exists only for a service with `maxforkrate`
/// and is updated only when a fork is considered; this one counts every fork of a listener.
struct ForkRateWindow: Sendable {
    /// Seconds the rate is averaged over.
    static let span = 10

    /// One count per second of the window, at index `second % span`, with its second.
    private var counts = [(second: Int, forks: Int)](repeating: (Int.min, 0), count: span)

    /// Records one fork at monotonic time `now`.
    mutating func record(now: Double) {
        let second = Int(now.rounded(.down))
        let index = Self.slot(second)
        if counts[index].second == second {
            counts[index].forks += 1
        } else {
            counts[index] = (second, 1)
        }
    }

    /// Forks per second over the ``span`` seconds up to `now` (the current second included).
    func rate(now: Double) -> Double {
        let second = Int(now.rounded(.down))
        let forks = counts.reduce(0) { sum, slot in
            slot.second > second - Self.span && slot.second <= second ? sum + slot.forks : sum
        }
        return Double(forks) / Double(Self.span)
    }

    private static func slot(_ second: Int) -> Int {
        ((second % span) + span) % span
    }
}
