import Glibc
import POSIXCore

/// Cyrus master's pidfile (`master/master.c: main()`): opened O_CREAT|O_RDWR 0644, locked
/// with a non-blocking exclusive `fcntl` lock, truncated, `"<pid>\n"` written and fsynced,
/// then kept open (close-on-exec) and locked for the life of the process. Never removed.
public enum Pidfile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        /// Cyrus exits 71 (EX_OSERR).
        public var exitCode: Int32 { MasterExit.osError }
    }

    /// Takes the pidfile; returns its descriptor (keep it open).
    public static func acquire(_ path: String) -> Result<Int32, Failure> {
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return .failure(Failure(description: "can't open pidfile \(path): \(errnoText())")) }
        guard (try? FileLock.tryLock(fd)) != nil else {
            close(fd)
            return .failure(Failure(description: "cannot get exclusive lock on pidfile (is another master still running?): \(path)"))
        }
        let text = Array("\(getpid())\n".utf8)
        guard ftruncate(fd, 0) == 0,
              text.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == text.count else {
            let reason = errnoText()
            close(fd)
            return .failure(Failure(description: "unable to write pidfile \(path): \(reason)"))
        }
        _ = fsync(fd)
        return .success(fd)
    }
}
