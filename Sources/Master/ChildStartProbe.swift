import CShims
import Glibc

/// Whether a freshly forked child has started: past `exec` and running the service's own code,
/// seen as its own SIGTERM handler being installed (a Cyrus service child installs its handlers
/// when it enters the accept loop; ours right at start). Master's children never announce their
/// first readiness on the status pipe (docs/cyrus-compatibility.md §2.2), so this is how `READY=1` can wait for them.
/// Linux `/proc`; where it cannot be read, a child counts as started.
enum ChildStartProbe {
    /// Master's own executable and command name, read before any privilege drop: a child still
    /// showing them is between `fork` and `exec`, with master's handlers.
    static let ownExecutable = executable(of: "self")
    static let ownCommand = command(of: "self")

    /// Reads master's own identity now (call before dropping root: a process that changed its
    /// uid is not dumpable, and its `/proc/<pid>/exe` cannot be read, by itself included).
    static func prepare() { _ = (ownExecutable, ownCommand) }

    static func hasStarted(_ pid: pid_t) -> Bool {
        switch cshim_signal_caught_by(pid, SIGTERM) {
        case 0: return false
        case 1: return !isStillMaster("\(pid)")
        default: return true
        }
    }

    /// A child that has not exec'd yet: the same executable as master where both links can be
    /// read, otherwise the same command name (`/proc/<pid>/comm` stays readable when a
    /// non-dumpable child, forked after the drop, hides its `exe`).
    static func isStillMaster(_ process: String) -> Bool {
        if let own = ownExecutable, let theirs = executable(of: process) { return own == theirs }
        guard let own = ownCommand else { return false }
        return command(of: process) == own
    }

    /// The command name in `/proc/<process>/comm`, the executable's base name since `exec`.
    static func command(of process: String) -> String? {
        let fd = open("/proc/\(process)/comm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self).trimmingSuffixNewline()
    }

    /// The target of `/proc/<process>/exe`.
    static func executable(of process: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/\(process)/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

private extension String {
    func trimmingSuffixNewline() -> String { hasSuffix("\n") ? String(dropLast()) : self }
}
