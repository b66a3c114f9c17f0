import CShims
import Foundation
import Glibc

/// Waits up to `timeout` seconds for child `pid` to end and reaps it. Returns its exit status
/// (128 + signal when killed), nil while it still runs after `timeout` (0: just look), or -1
/// when it cannot be waited for (not our child, already reaped).
func reapChild(_ pid: pid_t, within timeout: Double) -> Int32? {
    let end = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    while true {
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid {
            return cshim_wifsignaled(status) != 0 ? 128 + cshim_wtermsig(status) : cshim_wexitstatus(status)
        }
        if r < 0 && errno != EINTR { return -1 }
        if Date() >= end { return nil }
        usleep(2_000)
    }
}
