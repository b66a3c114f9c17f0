#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Makes session ids the way Cyrus does:
/// `<prefix>-<unix time>-<pid>-<counter>-<random 64-bit decimal>`, where the counter restarts
/// at 1 in each new second. Keep one per process and hand it to every session: the counter is
/// per process. Safe to share between threads.
public final class SessionIDGenerator: Sendable {
    private let processID: Int64
    private let unixTime: @Sendable () -> Int64
    private let random: @Sendable () -> UInt64
    /// The second of the last id and the count of ids made in it.
    private let clock = Mutex<(second: Int64, counter: Int)>((.min, 0))

    /// - Parameters:
    ///   - processID: the pid shown in ids (default: this process's).
    ///   - unixTime: seconds since the epoch (default: the system clock).
    ///   - random: the random part (default: the system random generator).
    public init(
        processID: Int64 = Int64(getpid()),
        unixTime: @escaping @Sendable () -> Int64 = { Int64(time(nil)) },
        random: @escaping @Sendable () -> UInt64 = { UInt64.random(in: .min ... .max) }
    ) {
        self.processID = processID
        self.unixTime = unixTime
        self.random = random
    }

    /// A new id with the given prefix.
    public func next(prefix: String) -> String {
        let now = unixTime()
        let number = clock.withLock { state -> Int in
            if now != state.second { state = (now, 0) }
            state.counter += 1
            return state.counter
        }
        return "\(prefix)-\(now)-\(processID)-\(number)-\(random())"
    }
}
