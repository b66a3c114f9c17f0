import CShims
import Glibc
import POSIXCore

/// How a child ended, decoded from its wait status the way Cyrus master judges it
/// (`master/master.c: decode_wait_status()`): exit 0 is normal, exit 75 (EX_TEMPFAIL) means
/// it was asked to stop ("was killed", not a failure), any other exit or a death by signal is
/// a failure.
public enum ChildExit: Sendable, Equatable {
    case normal
    case killed
    case exited(Int32)
    case signaled(Int32, coreDumped: Bool)

    public init(waitStatus status: Int32) {
        if cshim_wifexited(status) != 0 {
            switch cshim_wexitstatus(status) {
            case 0: self = .normal
            case ExitStatus.tempFail: self = .killed
            case let code: self = .exited(code)
            }
        } else if cshim_wifsignaled(status) != 0 {
            self = .signaled(cshim_wtermsig(status), coreDumped: cshim_wcoredump(status) != 0)
        } else {
            self = .exited(-1)
        }
    }

    /// Whether Cyrus counts this as a failure.
    public var isFailure: Bool {
        switch self {
        case .normal, .killed: return false
        case .exited, .signaled: return true
        }
    }

    /// Cyrus's wording after `<description>`: `exited normally`, `was killed`,
    /// `exited, status 1`, `signaled to death by signal 9 (Killed)`.
    public var text: String {
        switch self {
        case .normal: return "exited normally"
        case .killed: return "was killed"
        case .exited(let code): return "exited, status \(code)"
        case .signaled(let signal, let core):
            let name = strsignal(signal).map { String(cString: $0) } ?? "unknown signal"
            return "signaled to death by signal \(signal) (\(name)\(core ? ", core dumped" : ""))"
        }
    }
}
