import Foundation
import Glibc
import Testing

/// `make run`'s local stack (scripts/run-local-stack) started from this checkout with this
/// build's binaries, its var/ in a scratch directory and its TCP listener on a free port.
final class LocalStack {
    /// The scratch directory; var/ is inside it.
    let root: URL
    let port: UInt16
    let process: ChildProcess
    /// What the script printed before it handed over to minimaster.
    private(set) var banner = ""
    /// minimaster's exit status, once it has been waited for.
    private(set) var exitStatus: Int32?

    var varDirectory: String { root.appendingPathComponent("var").path }
    var socketPath: String { varDirectory + "/socket/lmtp" }
    func mailDirectory(_ user: String, _ sub: String = "new") -> String { "\(varDirectory)/mail/\(user)/\(sub)" }

    /// The repository this test file belongs to (found from its path, so any clone works).
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs the script in a process group of its own (a shell's foreground job) and waits
    /// until the unix socket and the TCP port accept connections. `user`: run it as that
    /// ordinary user (the tests run as root), who then owns the scratch directory.
    init(as user: String? = nil) throws {
        root = try TestPaths.scratchDirectory("localstack")
        port = try freeTCPPort()
        let script = Self.repository.appendingPathComponent("scripts/run-local-stack").path
        var path = script, arguments: [String] = []
        if let user {
            try chownTree(root, to: user)
            let entry = try #require(getpwnam(user))
            path = "/usr/bin/setpriv"
            arguments = ["--reuid=\(entry.pointee.pw_uid)", "--regid=\(entry.pointee.pw_gid)", "--clear-groups", "--", script]
        }
        process = try ChildProcess(
            path: path, arguments: arguments,
            environment: ["MINIMASTER_BIN": TestPaths.binaryDirectory.path,
                          "LOCAL_STACK_DIR": root.appendingPathComponent("var").path,
                          "LOCAL_STACK_TCP": "127.0.0.1:\(port)"],
            newProcessGroup: true)
        banner = process.read(until: "Stop: Ctrl-C", timeout: 20)
        do {
            try waitForSocket(socketPath, timeout: 20)
            try waitForTCP(port, timeout: 20)
        } catch {
            Glibc.kill(-process.pid, SIGKILL)
            _ = process.wait(timeout: 5)
            TestPaths.cleanUp(root)
            throw error
        }
    }

    /// Delivers one message with swaks over the unix socket (`server: nil`) or to `server`.
    func swaks(to recipient: String, server: String? = nil, subject: String) throws -> (status: Int32, output: String) {
        let target = server.map { ["--server", $0] } ?? ["--socket", socketPath]
        return try runTool("/usr/bin/swaks", ["--protocol", "LMTP"] + target + [
            "--to", recipient, "--from", "you@example.org", "--header", "Subject: \(subject)", "--timeout", "15",
        ], timeout: 30)
    }

    /// The files in a Maildir folder of `user`.
    func messages(_ user: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: mailDirectory(user))) ?? []).sorted()
    }

    /// Live processes (not zombies) whose command line mentions this stack's directory:
    /// minimaster and every lmtpd it started (their `-C` names var/imapd.conf).
    func processesLeft() -> [pid_t] {
        let needle = root.path
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let state = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = state.lastIndex(of: ")"),
                  state[state.index(after: close)...].split(separator: " ").first != "Z",
                  let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: command.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(needle)
        }
    }

    /// SIGINT as Ctrl-C sends it (to the whole process group) or to minimaster alone; returns
    /// minimaster's exit status (killed after `timeout` seconds).
    func interrupt(wholeGroup: Bool, timeout: Double = 40) -> Int32 {
        Glibc.kill(wholeGroup ? -process.pid : process.pid, SIGINT)
        let status = process.wait(timeout: timeout)
        exitStatus = status
        return status
    }

    /// Kills the process group if minimaster was not waited for yet, removes the scratch directory.
    func cleanUp() {
        if exitStatus == nil {
            Glibc.kill(-process.pid, SIGKILL)
            exitStatus = process.wait(timeout: 5)
        }
        TestPaths.cleanUp(root)
    }
}
