/// When to send `WATCHDOG=1`: at half the interval systemd gave (`WATCHDOG_USEC`), the first
/// ping at once. The supervision loop asks it every pass and never sleeps past ``nextPing``,
/// so a loop that hangs stops the pings and systemd restarts the service.
public struct WatchdogTimer: Sendable {
    /// Seconds between pings: half the watchdog interval.
    public let period: Double
    /// Monotonic time of the next ping.
    public private(set) var nextPing: Double

    /// A timer for an interval of `microseconds`, starting at monotonic time `now`.
    public init(intervalMicroseconds microseconds: UInt64, now: Double) {
        period = Double(microseconds) / 2_000_000
        nextPing = now
    }

    /// Whether a ping is due at `now`; when it is, the next one is scheduled a period later.
    public mutating func isDue(now: Double) -> Bool {
        guard now >= nextPing else { return false }
        nextPing = now + period
        return true
    }
}
