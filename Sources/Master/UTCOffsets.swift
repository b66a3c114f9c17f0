import Glibc

/// A time zone's rules as the EVENTS schedule needs them: the offset of local time from UTC
/// at any instant (daylight saving time included).
protocol UTCOffsets {
    /// Seconds east of UTC in force at `instant` (seconds since 1970, UTC).
    func offset(at instant: Int) -> Int
}

/// The C library's local time zone (`TZ`, else `/etc/localtime`): the one Cyrus master's
/// `localtime()` and `mktime()` use for `at=`.
struct SystemTimeZone: UTCOffsets {
    init() {
        tzset()
    }

    func offset(at instant: Int) -> Int {
        var time = time_t(instant)
        var local = tm()
        guard localtime_r(&time, &local) != nil else { return 0 }
        return local.tm_gmtoff
    }

    /// `2026-03-29 03:00 CEST`: an instant as the local wall clock shows it, for log lines.
    static func format(_ instant: Double) -> String {
        var time = time_t(instant.rounded(.down))
        var local = tm()
        guard localtime_r(&time, &local) != nil else { return "\(Int(instant))" }
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M %Z", &local)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
