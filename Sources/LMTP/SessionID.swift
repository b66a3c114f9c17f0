#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes session ids the way Cyrus does:
/// `<prefix>-<unix time>-<pid>-<counter>-<random 64-bit decimal>`, where the counter restarts
/// at 1 in each new second. Keep one per process and hand it to every session: the counter is
/// per process. Safe to share between threads.
public final class SessionIDGenerator: @unchecked Sendable {
    private let processID: Int64
    private let unixTime: @Sendable () -> Int64
    private let random: @Sendable () -> UInt64
    private let lock = SimpleLock()
    // Guarded by `lock`.
    private var lastSecond: Int64 = .min
    private var counter = 0

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
        let number = lock.withLock { () -> Int in
            if now != lastSecond {
                lastSecond = now
                counter = 0
            }
            counter += 1
            return counter
        }
        return "\(prefix)-\(now)-\(processID)-\(number)-\(random())"
    }
}

/// A pthread mutex, enough for a counter (Synchronization.Mutex needs macOS 15).
final class SimpleLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}
