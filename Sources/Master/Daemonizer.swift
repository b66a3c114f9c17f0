import CMasterShims
import Glibc

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
        var fds: [Int32] = [-1, -1]
        guard cmaster_pipe(&fds, 0) == 0 else { return nil }
        let pid = cmaster_fork()
        if pid < 0 {
            close(fds[0]); close(fds[1])
            return nil
        }
        if pid > 0 {
            close(fds[1])
            var byte: UInt8 = 0
            var n: Int
            repeat { n = read(fds[0], &byte, 1) } while n < 0 && errno == EINTR
            // No byte: the child died before it could say anything.
            exit(n == 1 ? Int32(byte) : MasterExit.osError)
        }
        close(fds[0])
        _ = setsid()
        return Readiness(fd: fds[1])
    }
}
