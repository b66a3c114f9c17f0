#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIXCore
import Synchronization

/// Maildir unique file names: `<secs>.M<usecs>P<pid>Q<n>.<host>` in `tmp/`, with
/// `,S=<exact size>` appended in `new/` (Dovecot trusts `S=` as the file size).
///
/// `Q<n>` counts names made by this process, so two names made in the same microsecond still
/// differ; the pid is read each time, so a forked child never repeats its parent's names.
/// Uniqueness is still enforced by the filesystem (`O_EXCL`, `link` failing with `EEXIST`):
/// callers retry with a fresh name.
enum UniqueName {
    private static let counter = Counter()

    /// A fresh base name (no size suffix) for `host` (already escaped).
    static func make(host: String) -> String {
        let (seconds, microseconds) = RealtimeClock.now()
        let sequence = counter.next()
        return "\(seconds).M\(microseconds)P\(getpid())Q\(sequence).\(host)"
    }

    /// A fresh final name for `new/`: the base name plus `,S=<size>`.
    static func make(host: String, size: Int) -> String {
        make(host: host) + ",S=\(size)"
    }

    /// The host part of a Maildir name: `/` → `\057`, `:` → `\072` (Maildir's rule), and also
    /// `,` (Dovecot's field separator) and control bytes as `\ooo`, so the name stays
    /// parseable. An empty `configured` name means the system host name.
    static func escapedHost(_ configured: String) -> String {
        let name = configured.isEmpty ? systemHostname() : configured
        var result = ""
        for scalar in name.unicodeScalars {
            let value = scalar.value
            if value == 0x2F || value == 0x3A || value == 0x2C || value < 0x20 || value == 0x7F {
                let octal = String(value, radix: 8)
                result += "\\" + String(repeating: "0", count: max(0, 3 - octal.count)) + octal
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result.isEmpty ? "localhost" : result
    }

    /// `gethostname(2)`, or `localhost` when it fails.
    static func systemHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A process-wide, thread-safe sequence number.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    func next() -> Int {
        value.wrappingAdd(1, ordering: .relaxed).newValue
    }
}
