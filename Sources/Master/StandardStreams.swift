import Glibc
import POSIXCore

/// Master's standard descriptors, which children inherit: fd 0 becomes /dev/null (unless
/// `-D`); with `-L` fds 1 and 2 are appended to the log file; in daemon mode without `-L`
/// they become /dev/null too.
enum StandardStreams {
    /// Opens the log file for appending onto fds 1 and 2. Returns the error text on failure.
    static func appendOutput(to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "can't open log file \(path): \(errnoText())" }
        _ = dup2(fd, 1)
        _ = dup2(fd, 2)
        if fd > 2 { close(fd) }
        return nil
    }

    /// Points the given descriptors at /dev/null.
    static func nullify(_ targets: [Int32]) {
        let fd = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return }
        for target in targets where target != fd { _ = dup2(fd, target) }
        if fd > 2 { close(fd) }
    }
}
