#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A moment with the local time zone's offset at that moment: what a mail date needs.
public struct LocalTime: Sendable, Equatable {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    public var unixTime: Int64
    /// Offset of local time from UTC at that moment, in seconds (east positive).
    public var utcOffsetSeconds: Int

    public init(unixTime: Int64, utcOffsetSeconds: Int) {
        self.unixTime = unixTime
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// Formats as in mail headers: `Tue, 24 Nov 2026 20:00:21 +0000` (day zero-padded).
    public var rfc5322: String {
        let local = unixTime + Int64(utcOffsetSeconds)
        let days = floorDiv(local, 86_400)
        let secondOfDay = Int(local - days * 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        let weekday = Int(floorMod(days + 4, 7)) // 1970-01-01 was a Thursday
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let offset = abs(utcOffsetSeconds) / 60
        let sign = utcOffsetSeconds < 0 ? "-" : "+"
        return "\(weekdays[weekday]), \(pad2(day)) \(months[month - 1]) \(year) "
            + "\(pad2(secondOfDay / 3600)):\(pad2(secondOfDay / 60 % 60)):\(pad2(secondOfDay % 60)) "
            + "\(sign)\(pad2(offset / 60))\(pad2(offset % 60))"
    }
}

/// Where the engine gets the current time from (injectable for tests).
public struct WallClock: Sendable {
    private let source: @Sendable () -> LocalTime
    private let monotonic: @Sendable () -> Double

    /// A clock telling `source`'s time; durations come from `monotonic` (default: the system's
    /// monotonic clock).
    public init(_ source: @escaping @Sendable () -> LocalTime,
                monotonic: @escaping @Sendable () -> Double = WallClock.monotonicSeconds) {
        self.source = source
        self.monotonic = monotonic
    }

    /// The current local time.
    public func now() -> LocalTime { source() }

    /// Seconds on a clock that only moves forward, for durations (a delivery's delay).
    public func elapsedSeconds() -> Double { monotonic() }

    /// `CLOCK_MONOTONIC` in seconds.
    @Sendable public static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// The system clock and the process's time zone (`TZ`, `/etc/localtime`).
    public static let system = WallClock {
        var seconds = time(nil)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else {
            return LocalTime(unixTime: Int64(seconds), utcOffsetSeconds: 0)
        }
        return LocalTime(unixTime: Int64(seconds), utcOffsetSeconds: Int(parts.tm_gmtoff))
    }

    /// Always the same moment.
    public static func fixed(_ time: LocalTime) -> WallClock {
        WallClock { time }
    }
}

private func pad2(_ value: Int) -> String {
    value < 10 ? "0\(value)" : "\(value)"
}

private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

private func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
    a - floorDiv(a, b) * b
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
private func civilDate(daysSinceEpoch: Int64) -> (year: Int, month: Int, day: Int) {
    let z = daysSinceEpoch + 719_468
    let era = floorDiv(z, 146_097)
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    return (Int(year), Int(month), Int(day))
}
