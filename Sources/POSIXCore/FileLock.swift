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

/// Exclusive locks on single bytes of a file, owned by the open file description
/// (`F_OFD_SETLK`): two opens conflict even within one process, and the kernel drops a lock
/// when the last descriptor of its open file closes, so a killed process leaves none behind.
public enum ByteLock {
    /// Takes the lock on the byte at `offset` without waiting: `false` when another open file
    /// holds it.
    public static func tryLock(_ fd: Int32, at offset: Int64) throws(Errno) -> Bool {
        if cshim_byte_try_lock(fd, offset) == 0 { return true }
        let error = Errno.current
        if error.code == EAGAIN || error.code == EACCES { return false }
        throw error
    }

    /// Releases the lock on the byte at `offset`.
    public static func unlock(_ fd: Int32, at offset: Int64) throws(Errno) {
        guard cshim_byte_unlock(fd, offset) == 0 else { throw .current }
    }
}
