import Foundation
import Glibc

/// One run of `minimaster status`, as a user sees it.
struct StatusRun {
    let status: Int32
    let output: String
    let error: String

    /// The `--json` output as an object (nil when it does not parse).
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any]
    }

    /// The SERVICES row of the text output for `label` (`lmtp/unix`), split into its columns:
    /// SERVICE LISTEN READY BUSY MAXCHILD FORKS RATE/MAX FAILED SERVED STATE.
    func serviceRow(_ label: String) -> [String]? {
        output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.first { $0.first == label }
    }
}

extension MasterHarness {
    /// `{configdirectory}/socket/minimaster.status` of this testbed.
    var statusSocketPath: String {
        bed.root.appendingPathComponent("conf/socket/minimaster.status").path
    }

    /// Runs `minimaster status -C <imapd.conf>` plus `arguments`; as `user` (through
    /// setpriv, with that user's uid and primary group) when given.
    func status(_ arguments: [String] = [], as user: String? = nil, timeout: Double = 30) throws -> StatusRun {
        try run([TestPaths.executable("minimaster"), "status", "-C", imapdConf] + arguments, as: user, timeout: timeout)
    }

    /// Runs `argv` (as `user` when given) to its end.
    func run(_ argv: [String], as user: String? = nil, timeout: Double = 30) throws -> StatusRun {
        var argv = argv
        if let user {
            guard let entry = getpwnam(user) else { throw HarnessError("no user \(user)") }
            argv = ["/usr/bin/setpriv", "--reuid=\(entry.pointee.pw_uid)", "--regid=\(entry.pointee.pw_gid)",
                    "--clear-groups"] + argv
        }
        let child = try ChildProcess(path: argv[0], arguments: Array(argv.dropFirst()))
        let output = child.readAll(timeout: timeout)
        let error = child.readError()
        return StatusRun(status: child.wait(), output: output, error: error)
    }

    /// The `--json` status; throws when the command fails or the output does not parse.
    func statusJSON() throws -> [String: Any] {
        let run = try status(["--json"])
        guard run.status == 0, let object = run.json else {
            throw HarnessError("minimaster status --json: exit \(run.status), output \(run.output), error \(run.error)")
        }
        return object
    }
}

/// The services of a `--json` status, by `name/family`.
func jsonServices(_ object: [String: Any]) -> [String: [String: Any]] {
    var result: [String: [String: Any]] = [:]
    for case let service as [String: Any] in object["services"] as? [Any] ?? [] {
        result["\(service["name"] ?? "?")/\(service["family"] ?? "?")"] = service
    }
    return result
}
