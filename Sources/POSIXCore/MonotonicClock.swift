// POSIXCore: depends on libc (Glibc) and CShims only; nothing else of ours.
import Glibc

/// `CLOCK_MONOTONIC`, the clock every timeout and deadline is measured on (wall-clock jumps
/// must not stall forking, a drain or an idle timeout).
public enum MonotonicClock {
    /// Now, in seconds since an arbitrary origin.
    public static func now() -> Double {
        let spec = timespecNow()
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
    }

    /// Now, in whole microseconds since the same origin (systemd's `usec_t` for watchdog and
    /// notification timestamps).
    public static func microseconds() -> UInt64 {
        let spec = timespecNow()
        return UInt64(spec.tv_sec) * 1_000_000 + UInt64(spec.tv_nsec) / 1000
    }

    private static func timespecNow() -> timespec {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return spec
    }
}

/// `CLOCK_REALTIME`, for what is stored or shown (file names, database timestamps).
public enum RealtimeClock {
    /// Now: seconds since 1970 and the microseconds within that second.
    public static func now() -> (seconds: Int, microseconds: Int) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return (Int(spec.tv_sec), Int(spec.tv_nsec) / 1000)
    }
}
