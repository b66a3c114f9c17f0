import CShims
import Foundation
import Glibc
import POSIXCore

/// A private Postfix for one test (see `PostfixConfig`), run as root in a scratch folder of its
/// own and stopped by its PID.
///
/// Its master runs in a PID namespace of its own (`unshare --pid --fork postfix start-fg`, so
/// master becomes that namespace's init, `master -i`): when it ends, the kernel ends and reaps
/// every Postfix process with it, so `stop()` returns with none left. `postfix start` would detach
/// the master instead: its processes would go to this machine's PID 1 (which, in a container, may
/// leave them as zombies for a while) and nothing could wait for them.
/// Never run `postfix stop` or `reload` on it: its master.pid holds 1, the PID inside the namespace.
final class PostfixInstance {
    static let postfix = "/usr/sbin/postfix"
    static let sendmailProgram = "/usr/sbin/sendmail"
    static let postqueue = "/usr/sbin/postqueue"
    static let unshare = "/usr/bin/unshare"
    /// The default configuration folder, which `namespaced(_:)` covers with the instance's.
    static let systemConfigDirectory = "/etc/postfix"

    /// Whether Debian's postfix package (scripts/setup-deps) and util-linux's unshare are there.
    static var isInstalled: Bool {
        [postfix, sendmailProgram, postqueue, unshare].allSatisfy { (path: String) in access(path, X_OK) == 0 }
            && access(PostfixConfig.masterDist, R_OK) == 0 && access(systemConfigDirectory, R_OK) == 0
            && getpwnam("postfix") != nil && getgrnam("postdrop") != nil
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    let config: PostfixConfig
    /// A `sendmail` for callers running as root: Postfix's, told the instance's configuration
    /// folder (`-C`). lmtpd's `sendmail` option takes a path without arguments, hence a script.
    /// Postfix refuses `-C` from anyone else (see `namespaced(_:)`).
    let sendmail: String
    /// `unshare`, our child; master is its only child.
    private let pid: pid_t
    private var exitStatus: Int32?

    var directory: URL { config.directory }
    var configDirectory: String { config.configDirectory.path }

    /// Writes the configuration, starts Postfix and waits (at most `timeout` seconds) until its
    /// master has started. `lmtp`: the next hop for `@localhost` (`unix:/path`, `inet:127.0.0.1:port`).
    init(lmtp: String, smtpPort: UInt16? = nil, extraMain: [String] = [], timeout: Double = 20) throws {
        config = PostfixConfig(directory: try TestPaths.scratchDirectory("postfix"), lmtpDestination: lmtp,
                               smtpPort: smtpPort, extraMain: extraMain)
        sendmail = config.directory.appendingPathComponent("sendmail").path
        do {
            try config.write()
            try "#!/bin/sh\nexec \(Self.sendmailProgram) -C \(config.configDirectory.path) \"$@\"\n"
                .write(toFile: sendmail, atomically: true, encoding: .utf8)
            chmod(sendmail, 0o755)
            pid = try Self.spawn([Self.unshare, "--pid", "--fork", "--", Self.postfix, "-c", config.configDirectory.path, "start-fg"],
                                 output: config.directory.appendingPathComponent("postfix.out").path)
        } catch {
            TestPaths.cleanUp(config.directory)
            throw error
        }
        var exited = false
        let started = waitUntil(timeout: timeout) {
            exited = self.hasExited
            return exited || self.maillog.contains("postfix/master[1]: daemon started -- ")
        }
        if !started || exited {
            let output = (try? String(contentsOf: directory.appendingPathComponent("postfix.out"), encoding: .utf8)) ?? ""
            stop()
            let why = exited ? "ended at start" : "did not start within \(timeout) s"
            throw StartFailure(description: "Postfix \(why):\n\(output)\n\(maillog)")
        }
    }

    deinit {
        stop()
        TestPaths.cleanUp(config.directory)
    }

    /// `argv` run with the instance's etc/ mounted over /etc/postfix, in a mount namespace of its
    /// own (inherited by its children). Postfix's set-gid postdrop, which every `sendmail` runs,
    /// refuses a configuration folder given by `-C` or `MAIL_CONFIG` to anyone but root unless
    /// the system's /etc/postfix/main.cf lists it in `alternate_config_directories`; lmtpd runs as
    /// the cyrus user. Seen through this mount, the instance's configuration is the default one,
    /// so `/usr/sbin/sendmail` needs no option, as in production; the system's stays untouched.
    /// The first program (unshare, then sh) execs the next: the PID is `argv`'s.
    func namespaced(_ argv: [String]) -> [String] {
        [Self.unshare, "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
         "mount --bind \"$0\" \(Self.systemConfigDirectory) && exec \"$@\"", configDirectory] + argv
    }

    /// Everything logged so far (`maillog_file`).
    var maillog: String {
        (try? String(contentsOf: config.maillog, encoding: .utf8)) ?? ""
    }

    /// The delivery outcomes logged for `recipient` (`... to=<bob@localhost>, relay=..., status=sent (...)`),
    /// in log order; `status=sent`, `deferred` or `bounced`.
    func outcomes(for recipient: String) -> [String] {
        maillog.split(separator: "\n").map(String.init).filter { $0.contains(" to=<\(recipient)>,") && $0.contains(" status=") }
    }

    /// Waits until `count` outcomes are logged for `recipient` (at most `timeout` seconds);
    /// returns those logged by then.
    @discardableResult
    func waitForOutcomes(for recipient: String, count: Int = 1, timeout: Double = 20) -> [String] {
        _ = waitUntil(timeout: timeout) { self.outcomes(for: recipient).count >= count }
        return outcomes(for: recipient)
    }

    /// The queue files not yet delivered (maildrop, incoming, active, deferred, hold), sorted.
    var queued: [String] {
        ["maildrop", "incoming", "active", "deferred", "hold"].flatMap { folder -> [String] in
            let root = config.queueDirectory.appendingPathComponent(folder).path
            let names = FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []
            return names.filter { !$0.isEmpty && !isDirectory(root + "/" + $0) }.map { "\(folder)/\($0)" }
        }.sorted()
    }

    /// Asks the queue manager to try every deferred message now (`postqueue -f`), then waits
    /// until nothing is queued (at most `timeout` seconds). Returns what is still queued.
    @discardableResult
    func flush(timeout: Double = 20) throws -> [String] {
        let result = try runTool(Self.postqueue, ["-c", configDirectory, "-f"], timeout: timeout)
        guard result.status == 0 else { throw StartFailure(description: "postqueue -f: \(result.output)") }
        _ = waitUntil(timeout: timeout) { self.queued.isEmpty }
        return queued
    }

    /// Whether master has ended (reaps unshare if so).
    var hasExited: Bool {
        if exitStatus != nil { return true }
        exitStatus = reapChild(pid, within: 0)
        return exitStatus != nil
    }

    /// SIGTERM to master (the namespace ends with it, every Postfix process too), up to
    /// `timeout` seconds, then SIGKILL; reaps unshare. Idempotent.
    func stop(timeout: Double = 10) {
        guard !hasExited else { return }
        let master = processChildren(of: pid)
        for child in master { kill(child, SIGTERM) }
        if master.isEmpty { kill(pid, SIGTERM) }
        if let status = reapChild(pid, within: timeout) {
            exitStatus = status
            return
        }
        for child in processChildren(of: pid) { kill(child, SIGKILL) }
        kill(pid, SIGKILL)
        exitStatus = reapChild(pid, within: 5) ?? -1
    }

    /// Starts `argv` with an empty signal mask (a test's worker thread blocks SIGTERM, and master
    /// would keep that), /dev/null as input, `output` for its output, and no other descriptor.
    private static func spawn(_ argv: [String], output: String) throws -> pid_t {
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let log = open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer {
            if input >= 0 { close(input) }
            if log >= 0 { close(log) }
        }
        guard input >= 0, log >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        let child = cshim_spawn_stdio(argv[0], cArgs, cEnv, -1, -1, input, log, log)
        guard child > 0 else { throw StartFailure(description: "cannot start \(argv[0]): \(errnoText())") }
        return child
    }
}

private func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}
