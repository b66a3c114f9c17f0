import CSystemd

/// sd_watchdog_enabled(3): the interval systemd expects `WATCHDOG=1` pings in.
public enum Watchdog {
    /// The watchdog interval in microseconds when `WATCHDOG_USEC` applies to this process,
    /// else nil. Ping at half of it.
    public static func intervalMicroseconds() -> UInt64? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return usec
    }
}
