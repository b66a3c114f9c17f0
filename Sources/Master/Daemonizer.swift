import Glibc
import POSIXCore

/// `-d` (`master/master.c: main()`): fork; the parent waits on a pipe for the child's result
/// and exits with it (0 once the services are bound and running, else the child's fatal
/// exit status); the child starts a new session and carries on.
public enum Daemonizer {
    /// The child's end of the readiness pipe.
    public final class Readiness {
        private var fd: Int32

        init(fd: Int32) { self.fd = fd }

        /// Tells the waiting parent how startup ended (once; later calls do nothing).
        public func report(_ status: Int32) {
            guard fd >= 0 else { return }
            var byte = UInt8(truncatingIfNeeded: status)
            _ = write(fd, &byte, 1)
            close(fd)
            fd = -1
        }

        deinit { report(MasterExit.osError) }
    }

    /// Forks. Returns in the child only; the parent exits inside. nil when fork failed.
    public static func detach() -> Readiness? {
        guard let fds = try? makePipe() else { return nil }
        let pid: pid_t
        do {
            pid = try forkProcess()
        } catch {
            close(fds.read); close(fds.write)
            return nil
        }
        if pid > 0 {
            close(fds.write)
            var byte: UInt8 = 0
            let n = retryingEINTR { read(fds.read, &byte, 1) }
            // No byte: the child died before it could say anything.
            exit(n == 1 ? Int32(byte) : MasterExit.osError)
        }
        close(fds.read)
        _ = setsid()
        return Readiness(fd: fds.write)
    }
}
