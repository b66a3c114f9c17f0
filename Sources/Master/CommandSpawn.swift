import CShims
import Glibc
import POSIXCore

/// fork/exec of a START or EVENTS command (`master/master.c: run_startup()`,
/// `spawn_schedule()`): master's environment (no `CYRUS_SERVICE`, `CYRUS_ID`) and standard
/// streams, no fds 3/4 (every descriptor from 3 on is closed), default signal handling, and
/// the user master runs as (``Master`` has become `cyrus_user` before any of them runs).
enum CommandSpawn {
    /// Starts `argv` from `executable`; the pid, or the fork error.
    static func start(executable: String, argv: [String], environment: CStringArray) -> Result<Int32, Errno> {
        let arguments = CStringArray(argv)
        let pid = executable.withCString { path in
            arguments.withPointer { a in environment.withPointer { e in cshim_spawn(path, a, e, -1, -1, 0) } }
        }
        return pid > 0 ? .success(pid) : .failure(Errno(errno))
    }
}
