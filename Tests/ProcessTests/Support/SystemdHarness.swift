import CShims
import Foundation
import Glibc
import POSIXCore

/// minimaster started the way systemd starts it, for one test: extra environment
/// (`NOTIFY_SOCKET`, `WATCHDOG_USEC`, `JOURNAL_STREAM`), listening sockets passed as fds 3
/// and 4 with `LISTEN_FDS`/`LISTEN_FDNAMES` (and `LISTEN_PID` set by a shell that then execs
/// minimaster, so that it is minimaster's pid), or under Debian's `systemd-socket-activate`.
/// The testbed, cyrus.conf and log file are a ``MasterHarness``'s.
final class SystemdMaster {
    let harness: MasterHarness
    private(set) var pid: pid_t = 0
    private var exitStatus: Int32?

    init(_ harness: MasterHarness) {
        self.harness = harness
    }

    deinit {
        if pid > 0 && exitStatus == nil {
            for child in processChildren(of: pid) { kill(child, SIGKILL) }
            kill(pid, SIGKILL)
            _ = waitExit(timeout: 5)
        }
    }

    /// minimaster's command line with the harness's files; `-L` to the harness log unless
    /// `logFile` is false (then it logs where its standard error and `JOURNAL_STREAM` say).
    func commandLine(_ arguments: [String] = [], logFile: Bool = true) -> [String] {
        [TestPaths.executable("minimaster"), "-M", harness.cyrusConf, "-C", harness.imapdConf]
            + (logFile ? ["-L", harness.logPath] : []) + ["--drain-timeout", "10"] + arguments
    }

    /// Starts minimaster with `environment` added; `sockets` (at most two) become fds 3 and 4
    /// with `LISTEN_FDS`, `LISTEN_FDNAMES` and `LISTEN_PID`; `stderr` (-1: inherited) is its
    /// standard error.
    func start(environment: [String: String] = [:], arguments: [String] = [], logFile: Bool = true,
               passing sockets: [(fd: Int32, name: String)] = [], stderr: Int32 = -1) throws {
        var argv = commandLine(arguments, logFile: logFile)
        var env = environment
        if !sockets.isEmpty {
            env["LISTEN_FDS"] = "\(sockets.count)"
            env["LISTEN_FDNAMES"] = sockets.map(\.name).joined(separator: ":")
            argv = ["/bin/sh", "-c", "export LISTEN_PID=$$; exec \"$0\" \"$@\""] + argv
        }
        let fd3 = sockets.count > 0 ? sockets[0].fd : -1
        let fd4 = sockets.count > 1 ? sockets[1].fd : -1
        try ServiceUserHandover.prepare(harness.bed.root)
        pid = try systemdSpawn(argv, environment: env, fd3: fd3, fd4: fd4, stderr: stderr)
        exitStatus = nil
    }

    /// Starts `systemd-socket-activate -l <address> ... --fdname=<names> -- minimaster ...`:
    /// it listens, and on the first connection execs minimaster (same pid) with the sockets.
    /// Its own messages go to `activate.err` in the testbed.
    func startUnderSocketActivate(_ sockets: [(address: String, name: String)], environment: [String: String] = [:]) throws {
        var argv = ["/usr/bin/systemd-socket-activate"]
        for socket in sockets { argv += ["-l", socket.address] }
        argv.append("--fdname=" + sockets.map(\.name).joined(separator: ":"))
        for (key, value) in environment { argv += ["-E", "\(key)=\(value)"] }
        argv += ["--"] + commandLine()
        let errPath = harness.bed.root.appendingPathComponent("activate.err").path
        let err = open(errPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer { if err >= 0 { close(err) } }
        try ServiceUserHandover.prepare(harness.bed.root)
        pid = try systemdSpawn(argv, environment: environment, fd3: -1, fd4: -1, stderr: err)
        exitStatus = nil
    }

    /// Signals minimaster (never a pid already reaped, which may be reused).
    func signal(_ signal: Int32) {
        if pid > 0 && exitStatus == nil { kill(pid, signal) }
    }

    /// Reaps minimaster; its exit status (128+signal when killed), nil on timeout.
    func waitExit(timeout: Double = 20) -> Int32? {
        if let exitStatus { return exitStatus }
        guard let code = reapChild(pid, within: timeout), code >= 0 else { return nil }
        exitStatus = code
        return code
    }

    /// SIGTERM and wait.
    @discardableResult
    func stop(timeout: Double = 20) -> Int32? {
        signal(SIGTERM)
        return waitExit(timeout: timeout)
    }

    /// minimaster's live children.
    func children() -> [pid_t] { processChildren(of: pid) }

    /// Children past exec with their own SIGTERM handler (what minimaster waits for before
    /// `READY=1`).
    func startedChildren() -> [pid_t] {
        let own = TestPaths.executable("minimaster")
        return children().filter { child in
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child)/exe")) ?? own
            return exe != own && cshim_signal_caught_by(child, SIGTERM) == 1
        }
    }
}

/// fork/exec with the test runner's environment (without what a master or systemd would have
/// set for the runner itself) plus `environment`; fds 3/4 from `fd3`/`fd4`, every other
/// descriptor above 2 closed.
func systemdSpawn(_ argv: [String], environment: [String: String], fd3: Int32, fd4: Int32, stderr: Int32) throws -> pid_t {
    var env = ProcessInfo.processInfo.environment
    for key in ["CYRUS_SERVICE", "CYRUS_ID", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS",
                "LISTEN_PID", "LISTEN_FDNAMES", "JOURNAL_STREAM"] {
        env.removeValue(forKey: key)
    }
    for (key, value) in environment { env[key] = value }
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
    let child = cArgs.withUnsafeBufferPointer { a in
        cEnv.withUnsafeBufferPointer { e in
            cshim_spawn_stdio(argv[0], a.baseAddress, e.baseAddress, fd3, fd4, -1, -1, stderr)
        }
    }
    guard child > 0 else { throw HarnessError("cannot start \(argv[0]): \(errnoText())") }
    return child
}

/// Listening sockets the test holds, as systemd holds a socket unit's (close-on-exec: only
/// the copies a spawn puts on fds 3/4 are inherited).
enum SystemdTestSocket {
    /// A unix stream socket listening at `path`.
    static func unix(_ path: String, backlog: Int32 = 128) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return try finish(fd, rc, backlog: backlog, what: path)
    }

    /// A TCP socket listening on 127.0.0.1:`port`.
    static func tcp(port: Int, backlog: Int32 = 128) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return try finish(fd, rc, backlog: backlog, what: "127.0.0.1:\(port)")
    }

    private static func finish(_ fd: Int32, _ bindResult: Int32, backlog: Int32, what: String) throws -> Int32 {
        guard fd >= 0, bindResult == 0, listen(fd, backlog) == 0 else {
            let reason = errnoText()
            if fd >= 0 { close(fd) }
            throw HarnessError("cannot listen on \(what): \(reason)")
        }
        return fd
    }
}

/// The inode of a file (a unix socket's, to see it was not re-created).
func inode(of path: String) -> UInt64? {
    var info = stat()
    return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
}
