import CShims
import Foundation
import Glibc
import POSIXCore

/// A private minimaster for one test: a MailTestbed (imapd.conf, configdirectory, Maildirs),
/// a cyrus.conf written by the test, minimaster started with `-L` so its log (and its
/// children's standard error) lands in a file the test can wait on.
final class MasterHarness {
    let bed: MailTestbed
    let cyrusConf: String
    let logPath: String
    /// A short directory for unix sockets (sun_path is 108 bytes).
    let socketDirectory: String
    private(set) var pid: pid_t = 0
    /// Programs minimaster is started through (e.g. `PostfixInstance.namespaced`); each must
    /// exec the next, so that `pid` is minimaster's.
    var launcher: (([String]) -> [String])?
    private var exitStatus: Int32?

    init(_ label: String, users: [String] = ["alice", "bob"], services: String = "", extra: String = "") throws {
        bed = try MailTestbed("mm-\(label)", users: users)
        cyrusConf = bed.root.appendingPathComponent("cyrus.conf").path
        logPath = bed.root.appendingPathComponent("master.log").path
        socketDirectory = bed.root.appendingPathComponent("s").path
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        try writeConf(services: services, extra: extra)
    }

    deinit {
        if pid > 0 && exitStatus == nil {
            for child in children() { kill(child, SIGKILL) }
            kill(pid, SIGKILL)
            _ = waitExit(timeout: 5)
        }
    }

    /// The imapd.conf path (configdirectory and partition of the testbed).
    var imapdConf: String { bed.configFile.path }

    /// A unix socket path in the socket directory.
    func socket(_ name: String) -> String { socketDirectory + "/" + name }

    /// `cyrus-echo-service` with this testbed's imapd.conf, plus arguments.
    func echo(_ arguments: String = "") -> String {
        "cyrus-echo-service -C \(imapdConf)" + (arguments.isEmpty ? "" : " " + arguments)
    }

    /// lmtpd with this testbed's imapd.conf, plus arguments.
    func lmtpd(_ arguments: String = "") -> String {
        "\(TestPaths.executable("lmtpd")) -C \(imapdConf)" + (arguments.isEmpty ? "" : " " + arguments)
    }

    /// Writes cyrus.conf: a SERVICES section with `services`, then `extra` sections verbatim.
    func writeConf(services: String, extra: String = "") throws {
        try "SERVICES {\n\(services)\n}\n\(extra)\n".write(toFile: cyrusConf, atomically: true, encoding: .utf8)
    }

    /// Starts minimaster; by default waits for "ready for work". Also starts it again after
    /// it ended (`stop()`): the log is appended to, so only a new "ready for work" counts.
    func start(_ arguments: [String] = [], waitForReady: Bool = true) throws {
        let argv = [TestPaths.executable("minimaster"), "-M", cyrusConf, "-C", imapdConf, "-L", logPath,
                    "--drain-timeout", "10"] + arguments
        try ServiceUserHandover.prepare(bed.root)
        let readyBefore = logLines(containing: "ready for work").count
        exitStatus = nil
        pid = try Self.spawn(launcher?(argv) ?? argv)
        guard waitForReady else { return }
        var exited = false
        let ready = waitUntil(timeout: 20) {
            if self.logLines(containing: "ready for work").count > readyBefore { return true }
            exited = self.waitExit(timeout: 0) != nil
            return exited
        }
        if !ready || exited {
            throw HarnessError("minimaster did not get ready (\(exited ? "exit status \(exitStatus ?? -1)" : "timeout")):\n" + log())
        }
    }

    /// fork/exec with every descriptor above 2 closed (the test runner's pipes must not leak
    /// into minimaster, or other tests would wait for their end of file).
    static func spawn(_ argv: [String]) throws -> pid_t {
        let cArgs = argv.map { strdup($0) } + [nil]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "CYRUS_SERVICE")
        env.removeValue(forKey: "CYRUS_ID")
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        let child = cArgs.withUnsafeBufferPointer { a in
            cEnv.withUnsafeBufferPointer { e in cshim_spawn(argv[0], a.baseAddress, e.baseAddress, -1, -1, 0) }
        }
        guard child > 0 else { throw HarnessError("cannot start \(argv[0]): \(errnoText())") }
        return child
    }

    /// Everything logged so far.
    func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Lines of the log containing `text`.
    func logLines(containing text: String) -> [String] {
        log().split(separator: "\n").filter { $0.contains(text) }.map(String.init)
    }

    /// Waits until the log contains `text` at least `count` times.
    @discardableResult
    func waitForLog(_ text: String, count: Int = 1, timeout: Double = 10) -> Bool {
        waitUntil(timeout: timeout) { self.logLines(containing: text).count >= count }
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// Reaps minimaster; its exit status (128+signal when killed), nil on timeout.
    func waitExit(timeout: Double = 20) -> Int32? {
        if let exitStatus { return exitStatus }
        guard let code = reapChild(pid, within: timeout), code >= 0 else { return nil }
        exitStatus = code
        return code
    }

    /// SIGTERM and wait; once minimaster has been reaped, only its exit status (its PID may
    /// belong to another process by then).
    @discardableResult
    func stop(timeout: Double = 20) -> Int32? {
        if let exitStatus { return exitStatus }
        signal(SIGTERM)
        return waitExit(timeout: timeout)
    }

    /// Live (and not yet reaped) children of minimaster.
    func children() -> [pid_t] { processChildren(of: pid) }

    /// Waits until minimaster has exactly `count` children, all of them past exec (a child
    /// between fork and exec still shows minimaster's handlers) with a handler for `signal`
    /// installed: started far enough to react to it.
    @discardableResult
    func waitForChildren(_ count: Int, catching signal: Int32, timeout: Double = 10) -> Bool {
        let own = TestPaths.executable("minimaster")
        return waitUntil(timeout: timeout) {
            let children = self.children()
            return children.count == count && children.allSatisfy { child in
                let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child)/exe")) ?? own
                return exe != own && cshim_signal_caught_by(child, signal) == 1
            }
        }
    }

    /// Waits until minimaster has exactly `count` children.
    @discardableResult
    func waitForChildren(_ count: Int, timeout: Double = 10) -> Bool {
        waitUntil(timeout: timeout) { self.children().count == count }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 10 ms until it holds or `timeout` seconds pass.
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// The children of `parent` (zombies included: master still counts them until it reaps them).
/// The pid list is read first, then each /proc/<pid>/stat: two processes counted here both
/// existed at the moment the listing ended, so the count never exceeds the real concurrency.
func processChildren(of parent: pid_t) -> [pid_t] {
    guard let dir = opendir("/proc") else { return [] }
    var pids: [pid_t] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if let pid = pid_t(name) { pids.append(pid) }
    }
    closedir(dir)
    return pids.filter { parentOf($0) == parent }
}

/// The parent pid from /proc/<pid>/stat (the field after the state, after the last ')').
func parentOf(_ pid: pid_t) -> pid_t? {
    let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 1024)
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard n > 0, let close = buffer[0..<n].lastIndex(of: UInt8(ascii: ")")) else { return nil }
    let fields = buffer[(close + 1)..<n].split(separator: UInt8(ascii: " "))
    guard fields.count > 1 else { return nil }
    return pid_t(String(decoding: fields[1], as: UTF8.self))
}
