import CShims
import Foundation
import Glibc
import POSIXCore

/// Dovecot's master as our child, addressed only by its PID. Started through `cshim_spawn_stdio`,
/// not `ChildProcess`: a test runs on a worker thread whose signal mask blocks SIGTERM, and
/// Dovecot keeps the mask it inherits (it would then ignore the SIGTERM that stops it). The
/// child gets an empty mask, /dev/null as input, a file for its output, and no other descriptor.
final class DovecotProcess {
    let pid: pid_t
    private var exitStatus: Int32?

    /// Starts `path` with `arguments`; standard output and error go to `output`.
    init(path: String, arguments: [String], output: URL) throws {
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let log = open(output.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer {
            if input >= 0 { close(input) }
            if log >= 0 { close(log) }
        }
        guard input >= 0, log >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let child = cshim_spawn_stdio(path, argv, envp, -1, -1, input, log, log)
        guard child > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        pid = child
    }

    /// Whether it has ended (reaps it if so).
    var hasExited: Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status }
        return exitStatus != nil
    }

    /// SIGTERM, up to `timeout` seconds for it to end, then SIGKILL; reaps it. Returns true when
    /// it ended on SIGTERM. Idempotent.
    @discardableResult
    func stop(timeout: Double = 10) -> Bool {
        guard !hasExited else { return true }
        kill(pid, SIGTERM)
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if hasExited { return true }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = retryingEINTR { waitpid(pid, &status, 0) }
        exitStatus = status
        return false
    }
}

/// Reading a private Dovecot instance's log file.
enum DovecotLog {
    /// The log so far (empty when there is none yet).
    static func text(of file: URL) -> String {
        (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }

    /// The lines that report errors (`Error:`, `Panic:`, `Fatal:`); warnings are left out.
    static func problems(in log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { line in
            ["Error:", "Panic:", "Fatal:"].contains { line.contains($0) }
        }
    }
}
