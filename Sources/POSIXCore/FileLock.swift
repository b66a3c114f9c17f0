// POSIXCore: depends on libc (Glibc) and CShims only; nothing else of ours.
import CShims
import Glibc

/// Exclusive `fcntl` write locks on a whole file (Cyrus's accept lock and master's pidfile
/// lock). Held by the process; released by ``unlock(_:)`` or by closing any descriptor of the
/// file.
public enum FileLock {
    /// Waits for the lock (`F_SETLKW`). A signal interrupting the wait throws `EINTR`: the
    /// caller decides whether to wait again.
    public static func lock(_ fd: Int32) throws(Errno) {
        guard cshim_lock_wait(fd) == 0 else { throw .current }
    }

    /// Takes the lock without waiting (`F_SETLK`); `EAGAIN`/`EACCES` when another process holds it.
    public static func tryLock(_ fd: Int32) throws(Errno) {
        guard cshim_try_lock(fd) == 0 else { throw .current }
    }

    /// Releases the lock (`F_UNLCK`).
    public static func unlock(_ fd: Int32) throws(Errno) {
        guard cshim_unlock(fd) == 0 else { throw .current }
    }

    /// The pid of a process holding a lock that conflicts with ours (`F_GETLK`), nil when the
    /// file is not locked by another process.
    public static func holder(_ fd: Int32) throws(Errno) -> pid_t? {
        let pid = cshim_lock_holder(fd)
        guard pid >= 0 else { throw .current }
        return pid == 0 ? nil : pid
    }
}
