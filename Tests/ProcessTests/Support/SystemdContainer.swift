import Foundation
import Glibc
import POSIXCore

/// A Debian 12 system booted with `systemd-nspawn -b` for one test: systemd 252 as its PID 1,
/// the root scripts/systemd-container-root cached (never written to: `--volatile=overlay`),
/// its own loopback (`--private-network`), in a cgroup of its own that is removed after.
/// The host has no systemd, so everything goes through the container's PID 1 (the leader):
/// commands with `nsenter`, files through `/proc/<leader>/root`, sockets through the same
/// path (unix) or from a thread in its network namespace (TCP). Builds nothing.
final class SystemdContainer {
    /// The cached root (SYSTEMD_CONTAINER_ROOT overrides it, as for the script).
    static let root = ProcessInfo.processInfo.environment["SYSTEMD_CONTAINER_ROOT"] ?? "/var/cache/cyrusdelivery/systemd-root"
    /// Written last by scripts/systemd-container-root: the root is complete.
    static let completeMarker = "/etc/cyrusdelivery-systemd-root"
    static let nspawn = "/usr/bin/systemd-nspawn"
    static let nsenter = "/usr/bin/nsenter"

    /// Why no container can boot on this machine (nil: one can, and a failing boot is a
    /// failure). The tests skip with this reason.
    static let unavailableReason: String? = {
        if geteuid() != 0 { return "booting a systemd container needs root" }
        if access(nspawn, X_OK) != 0 { return "systemd-nspawn is not installed (scripts/setup-deps installs systemd-container)" }
        if access(nsenter, X_OK) != 0 { return "nsenter is not installed (util-linux)" }
        if access(root + completeMarker, F_OK) != 0 {
            return "no container root at \(root): scripts/systemd-container-root could not build it (offline?)"
        }
        if cgroupHierarchies.isEmpty { return "no writable cgroup hierarchy under /sys/fs/cgroup" }
        return nil
    }()

    /// Where a container's cgroup is made: the named systemd and the unified hierarchy of a
    /// hybrid host, or the one unified hierarchy.
    static let cgroupHierarchies: [String] = {
        let hybrid = ["/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"].filter { access($0 + "/cgroup.procs", W_OK) == 0 }
        if !hybrid.isEmpty { return hybrid }
        return access("/sys/fs/cgroup/cgroup.procs", W_OK) == 0 ? ["/sys/fs/cgroup"] : []
    }()

    let name: String
    /// systemd-nspawn (host pid).
    private(set) var nspawnPID: pid_t = 0
    /// The container's PID 1 (host pid).
    private(set) var leader: pid_t = 0
    /// nspawn's console: systemd's boot and shutdown messages.
    let consoleLog: String
    private let scratch: URL
    private var nspawnProcess: ChildProcess?

    /// Boots the root with `binds` (host path, container path) read-only, and waits until
    /// `systemctl is-system-running` says `running` or `degraded`.
    init(_ label: String, readOnlyBinds binds: [(host: String, container: String)] = [], bootTimeout: Double = 30) throws {
        if let reason = Self.unavailableReason { throw HarnessError(reason) }
        name = "cd-\(label)-\(getpid())-\(UInt32.random(in: 0..<0xFFFF_FFFF))"
        scratch = try TestPaths.scratchDirectory("nspawn-\(label)")
        consoleLog = scratch.appendingPathComponent("console.log").path
        do {
            try boot(binds)
            try waitUntilRunning(timeout: bootTimeout)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// nspawn started by a shell that first moves itself into the container's new cgroups and
    /// closes every descriptor above 2: nspawn keeps what it inherits, and a pipe another test
    /// thread was just creating would stay open as long as the container runs.
    private func boot(_ binds: [(host: String, container: String)]) throws {
        var procsFiles: [String] = []
        for hierarchy in Self.cgroupHierarchies {
            let dir = hierarchy + "/" + name
            guard mkdir(dir, 0o755) == 0 else { throw HarnessError("cannot create cgroup \(dir): \(errnoText())") }
            procsFiles.append(dir + "/cgroup.procs")
        }
        let nspawnArguments = [Self.nspawn, "-q", "--register=no", "--keep-unit", "-M", name, "-D", Self.root,
                               "--volatile=overlay", "--private-network"]
            + binds.map { "--bind-ro=\($0.host):\($0.container)" } + ["-b"]
        let script = #"""
            log=$1; n=$2; shift 2
            while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 1; shift; n=$((n-1)); done
            for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null
            exec "$@" </dev/null >"$log" 2>&1
            """#
        let process = try ChildProcess(path: "/bin/bash", arguments: ["-c", script, "sh", consoleLog, "\(procsFiles.count)"]
                                       + procsFiles + nspawnArguments)
        nspawnProcess = process
        nspawnPID = process.pid
    }

    /// Finds the leader (nspawn's descendant that is PID 1 in its namespace), then polls its
    /// systemd until the boot is over.
    private func waitUntilRunning(timeout: Double) throws {
        let end = Date().addingTimeInterval(timeout)
        var state = "(no answer)"
        while Date() < end {
            if reapChild(nspawnPID, within: 0) != nil {
                _ = nspawnProcess?.wait(timeout: 0)  // closes its pipes
                nspawnProcess = nil
                throw HarnessError("systemd-nspawn exited during boot:\n\(console())")
            }
            if leader == 0 { leader = Self.namespaceInit(below: nspawnPID) ?? 0 }
            if leader != 0 {
                state = run(["systemctl", "is-system-running"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
                if state == "running" || state == "degraded" { return }
            }
            usleep(50_000)
        }
        throw HarnessError("the container's systemd did not finish booting in \(timeout) s (is-system-running: \(state)):\n\(console())")
    }

    /// The descendant of `ancestor` (two levels at most) whose last `NSpid:` entry is 1.
    private static func namespaceInit(below ancestor: pid_t) -> pid_t? {
        for child in processChildren(of: ancestor) {
            for pid in [child] + processChildren(of: child) where namespacePIDs(pid).count > 1 && namespacePIDs(pid).last == 1 {
                return pid
            }
        }
        return nil
    }

    /// The `NSpid:` line of /proc/<pid>/status: the pid in each namespace, outermost first.
    static func namespacePIDs(_ pid: pid_t) -> [pid_t] {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") }) else { return [] }
        return line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { pid_t($0) }
    }

    /// nspawn's console output so far (for failure messages).
    func console() -> String {
        (try? String(contentsOfFile: consoleLog, encoding: .utf8)).map { String($0.suffix(4000)) } ?? "(no console output)"
    }

    // MARK: Inside

    /// Runs `command` inside (all the leader's namespaces, a clean environment) and waits;
    /// `namespacesOf` another process inside (host pid) to see what it sees (its mounts).
    @discardableResult
    func run(_ command: [String], namespacesOf target: pid_t? = nil, timeout: Double = 60) -> (status: Int32, output: String) {
        guard let child = try? start(command, namespacesOf: target) else { return (-1, "cannot start nsenter") }
        let output = child.readAll(timeout: timeout) + child.readError(timeout: 1)
        return (child.wait(timeout: 5), output)
    }

    /// Starts `command` inside without waiting (its output on the process's pipes).
    func start(_ command: [String], namespacesOf target: pid_t? = nil) throws -> ChildProcess {
        try ChildProcess(path: Self.nsenter, arguments: ["-t", "\(target ?? leader)", "-a", "/usr/bin/env", "-i",
                                                         "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                                         "LC_ALL=C", "SYSTEMD_COLORS=0", "SYSTEMD_PAGER="] + command)
    }

    /// `systemctl` inside; its exit status and output.
    @discardableResult
    func systemctl(_ arguments: String...) -> (status: Int32, output: String) {
        run(["systemctl"] + arguments)
    }

    /// One property of a unit (`systemctl show -p <property> --value`).
    func property(_ property: String, of unit: String) -> String {
        run(["systemctl", "show", "-p", property, "--value", unit]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A path inside, as the host reaches it (also for connecting to a unix socket).
    func path(_ inside: String) -> String { "/proc/\(leader)/root" + inside }

    /// Writes a file inside (through the overlay), with `mode`.
    func write(_ text: String, to inside: String, mode: mode_t = 0o644) throws {
        try text.write(toFile: path(inside), atomically: false, encoding: .utf8)
        chmod(path(inside), mode)
    }

    /// Copies a host file inside, following symbolic links (`cp -L`), keeping its mode.
    func copy(_ host: String, to inside: String) throws {
        guard let data = FileManager.default.contents(atPath: host) else { throw HarnessError("cannot read \(host)") }
        try FileManager.default.createDirectory(atPath: (path(inside) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path(inside), contents: data) else { throw HarnessError("cannot write \(inside)") }
        var info = stat()
        if stat(host, &info) == 0 { chmod(path(inside), info.st_mode & 0o7777) }
    }

    /// The host pid of a process the container knows as `pid` (nil: no such process).
    func hostPID(_ pid: pid_t) -> pid_t? {
        let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(leader)/ns/pid")
        let candidates = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { pid_t($0) } ?? []
        return candidates.first { candidate in
            Self.namespacePIDs(candidate).last == pid && Self.namespacePIDs(candidate).count > 1
                && (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(candidate)/ns/pid")) == namespace
        }
    }

    /// Runs `body` on a thread of its own inside the container's network namespace (its
    /// 127.0.0.1 is the container's); the thread ends with it, so nothing else is affected.
    func inNetwork<T>(_ body: @escaping @Sendable () -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let namespace = "/proc/\(leader)/ns/net"
        let thread = Thread {
            let fd = open(namespace, O_RDONLY | O_CLOEXEC)
            if fd >= 0 && setNamespace(fd, 0x4000_0000 /* CLONE_NEWNET */) == 0 {
                box.value = body()
            } else {
                box.error = "cannot enter \(namespace): \(errnoText())"
            }
            if fd >= 0 { close(fd) }
            done.signal()
        }
        thread.start()
        done.wait()
        guard let value = box.value else { throw HarnessError(box.error ?? "no result") }
        return value
    }

    // MARK: Stopping

    /// SIGTERM to nspawn (a clean poweroff inside, about a second), SIGKILL after 30 s; then
    /// the cgroups go.
    func stop() {
        if let process = nspawnProcess {
            process.kill(SIGTERM)
            _ = process.wait(timeout: 30)  // SIGKILL after that
            nspawnProcess = nil
        }
        for hierarchy in Self.cgroupHierarchies { Self.removeCgroup(hierarchy + "/" + name) }
        TestPaths.cleanUp(scratch)
    }

    /// Removes a cgroup and what nspawn and the container's systemd left below it (`payload/`,
    /// `supervisor/`), deepest first; retried while the last processes leave.
    private static func removeCgroup(_ dir: String) {
        guard access(dir, F_OK) == 0 else { return }
        for _ in 0..<50 {
            removeSubgroups(dir)
            if rmdir(dir) == 0 || errno == ENOENT { return }
            usleep(100_000)
        }
    }

    private static func removeSubgroups(_ dir: String) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        for entry in entries {
            var info = stat()
            let sub = dir + "/" + entry
            guard lstat(sub, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            removeSubgroups(sub)
            rmdir(sub)
        }
    }
}

/// A value handed back from another thread.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
    var error: String?
}

/// setns(2), which Glibc's Swift module does not show: looked up in the C library.
private func setNamespace(_ fd: Int32, _ type: Int32) -> Int32 {
    typealias SetNS = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return -1 }
    return unsafeBitCast(symbol, to: SetNS.self)(fd, type)
}
