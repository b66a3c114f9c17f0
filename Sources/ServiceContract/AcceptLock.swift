import Glibc
import POSIXCore

/// Cyrus's accept lock (`master/service.c: getlockfd()`, `lockaccept()`, `unlockaccept()`):
/// the children of one listener take turns waiting in `accept`, serialized by an exclusive
/// `fcntl` lock on `{configdirectory}/socket/{service}-{id}.lock`.
public final class AcceptLock {
    /// How a wait for the lock ended.
    public enum Outcome: Equatable, Sendable {
        /// The lock is held (or locking is disabled).
        case acquired
        /// A signal interrupted the wait and `shouldStop` said so.
        case interrupted
        /// `fcntl` failed otherwise (Cyrus exits 71), with the `strerror` text.
        case failed(String)
    }

    public let path: String
    /// The open lock file, or -1 when locking is disabled.
    public let fd: Int32
    private var held = false

    /// Opens (creating, mode 0600) the lock file. If it cannot be opened the lock is disabled
    /// and `problem` says why (Cyrus logs "locking disabled" and carries on).
    public init(path: String) {
        self.path = path
        fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        problem = fd < 0 ? errnoText() : nil
    }

    /// Why the lock file could not be opened; nil when locking works.
    public let problem: String?

    /// Whether the accept lock is in use.
    public var isEnabled: Bool { fd >= 0 }

    deinit { if fd >= 0 { close(fd) } }

    /// Waits for the lock. `shouldStop` is asked before waiting and after a signal interrupted
    /// the wait: true gives up (`.interrupted`). (A signal arriving between that question and
    /// the `fcntl` call is seen only once the lock is obtained, as in Cyrus.)
    public func acquire(shouldStop: () -> Bool) -> Outcome {
        guard fd >= 0 else { return .acquired }
        if shouldStop() { return .interrupted }
        while true {
            do throws(Errno) {
                try FileLock.lock(fd)
                break
            } catch {
                guard error.code == EINTR else { return .failed(error.text) }
                if shouldStop() { return .interrupted }
            }
        }
        held = true
        return .acquired
    }

    /// Releases the lock if held.
    public func release() {
        guard fd >= 0, held else { return }
        try? FileLock.unlock(fd)
        held = false
    }
}
