import CShims
import Glibc

/// Whether a freshly forked child has started: past `exec` and running the service's own code,
/// seen as its own SIGTERM handler being installed (a Cyrus service child installs its handlers
/// when it enters the accept loop; ours right at start). Master's children never announce their
/// first readiness on the status pipe (docs/cyrus-compatibility.md §2.2), so this is how `READY=1` can wait for them.
/// Linux `/proc`; where it cannot be read, a child counts as started.
enum ChildStartProbe {
    /// Master's own executable: a child still showing it is between `fork` and `exec`, with
    /// master's handlers.
    static let ownExecutable = executable(of: "self")

    static func hasStarted(_ pid: pid_t) -> Bool {
        switch cshim_signal_caught_by(pid, SIGTERM) {
        case 0: return false
        case 1: return executable(of: "\(pid)") != ownExecutable
        default: return true
        }
    }

    /// The target of `/proc/<process>/exe`.
    static func executable(of process: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/\(process)/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
