#if canImport(Glibc)
import Glibc
#endif
import POSIXCore

/// The claims of one ``DuplicateStore``: an exclusive lock on one byte of the file
/// `<database>-claims` per key being delivered, at an offset chosen by the key's
/// ``StableHash`` (one of 2^24 buckets; the file stays empty, locks need no data).
///
/// The locks belong to this store's open file (`F_OFD_SETLK`), so the kernel drops them when
/// the process exits or is killed: a crashed delivery never leaves a claim for others to wait
/// on or take over. Two keys that share a bucket only make one of them wait a moment, as if
/// it were being delivered. A bucket locked twice by this store (two keys of one message, the
/// same message again before its outcome is written) is counted, and unlocked with its last
/// release.
///
/// Not thread-safe: the store serialises use.
final class ClaimLocks {
    let path: String
    private let fd: Int32
    private var held: [Int64: Int] = [:]

    /// Buckets per file: collisions among the few keys in flight at once are rare.
    static let buckets: UInt64 = 1 << 24

    init(databasePath: String) throws(DuplicateStoreError) {
        path = databasePath + "-claims"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw Self.error(Errno.current, "open \(path)") }
    }

    deinit { close(fd) }

    /// Locks the bucket of `key` unless another store holds it: whether the claim is this
    /// store's now.
    func acquire(_ key: DuplicateKey) throws(DuplicateStoreError) -> Bool {
        let bucket = Self.bucket(key)
        if let count = held[bucket] {
            held[bucket] = count + 1
            return true
        }
        let locked: Bool
        do throws(Errno) {
            locked = try ByteLock.tryLock(fd, at: bucket)
        } catch {
            throw Self.error(error, "lock a claim in \(path)")
        }
        if locked { held[bucket] = 1 }
        return locked
    }

    /// Gives up one claim on the bucket of `key`, unlocking it with the last.
    func release(_ key: DuplicateKey) {
        let bucket = Self.bucket(key)
        guard let count = held[bucket] else { return }
        if count > 1 {
            held[bucket] = count - 1
            return
        }
        held[bucket] = nil
        // Cannot fail for a lock this open file holds; if it did, closing the file drops it.
        try? ByteLock.unlock(fd, at: bucket)
    }

    static func bucket(_ key: DuplicateKey) -> Int64 {
        var hash = StableHash()
        hash.combine(key.messageID)
        hash.combine(byte: 0)
        hash.combine(key.mailbox)
        hash.combine(byte: 0)
        hash.combine(key.date)
        return Int64(hash.value % buckets)
    }

    private static func error(_ errno: Errno, _ what: String) -> DuplicateStoreError {
        DuplicateStoreError(operation: what, code: 0, message: errno.text)
    }
}
