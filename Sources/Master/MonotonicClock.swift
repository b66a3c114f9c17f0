import Glibc

/// Seconds on `CLOCK_MONOTONIC`, the only clock the supervisor schedules with (wall-clock
/// jumps must not stall forking or the drain deadline).
public enum MonotonicClock {
    /// Now, in seconds since an arbitrary origin.
    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
    }
}

/// The text of an `errno` value, as `%m` prints it.
func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
