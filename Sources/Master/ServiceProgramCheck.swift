import CShims
import ConfParse
import Glibc
import POSIXCore
import ServiceContract

/// What `minimaster --check` adds to the grammar check: what the services' own programs would
/// refuse, asked of each program (`<cmd> --check-config <service>`, answered as
/// ``CheckConfigProtocol`` says), and whether `cyrus_user` can be used.
///
/// Only programs known to answer are asked (an unknown program might do something else with
/// an option it does not know); a program of that name that does not answer (Cyrus's own
/// lmtpd) gets a warning saying its options were not checked.
public enum ServiceProgramCheck {
    /// Program names (argv[0]'s last component) that answer `--check-config`.
    public static let programsThatAnswer: Set<String> = ["lmtpd", "lmtpproxyd"]

    /// Every finding about `conf`'s SERVICES entries' programs and the service user.
    public static func findings(_ conf: CyrusConf, _ imapd: ImapdConfig,
                                lookup: ExecutableLookup = .standard(), timeout: Double = 10) -> [ConfigDiagnostic] {
        var findings = serviceUserFindings(imapd)
        // The same finding from several services (one imapd.conf) is reported once.
        var asked: [ConfigDiagnostic: (program: String, services: [String])] = [:]
        var order: [ConfigDiagnostic] = []
        for entry in conf.services {
            guard let argv0 = entry.argv.first, programsThatAnswer.contains(lastComponent(argv0)),
                  let path = lookup.resolve(argv0) else { continue }
            let argv = [path] + entry.argv.dropFirst() + ["--check-config", entry.name]
            guard let reported = ProgramOutput.run(argv, timeout: timeout).flatMap({ CheckConfigProtocol.parse($0.output) }) else {
                findings.append(ConfigDiagnostic(
                    file: conf.path, line: entry.line,
                    message: "service \(entry.name): \(path) does not answer --check-config; its own options were not checked",
                    severity: .warning))
                continue
            }
            for finding in reported {
                if asked[finding] == nil { order.append(finding) }
                asked[finding, default: (lastComponent(argv0), [])].services.append(entry.name)
            }
        }
        for finding in order {
            guard let (program, services) = asked[finding] else { continue }
            var labelled = finding
            labelled.message += " (\(program) of service\(services.count == 1 ? "" : "s") \(services.joined(separator: ", ")))"
            findings.append(labelled)
        }
        return findings
    }

    /// `cyrus_user`/`cyrus_group` must name a usable identity when minimaster would drop root,
    /// and whenever they are set explicitly.
    static func serviceUserFindings(_ imapd: ImapdConfig) -> [ConfigDiagnostic] {
        let user = imapd[.cyrusUser], group = imapd[.cyrusGroup]
        guard ServiceUser.isRoot || !(user ?? "").isEmpty || !(group ?? "").isEmpty else { return [] }
        do throws(ServiceUser.Problem) {
            _ = try ServiceUser.resolve(userOption: user, groupOption: group)
            return []
        } catch {
            let place = if case .unknownGroup = error { imapd.location(of: .cyrusGroup) } else { imapd.location(of: .cyrusUser) }
            return [ConfigDiagnostic(file: place?.file ?? imapd.path, line: place?.line, message: "\(error)")]
        }
    }

    private static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

/// A short-lived program's standard output (standard input and error on /dev/null), read to
/// its end; nil when it cannot be started or does not finish within `timeout` seconds (then
/// it is killed).
enum ProgramOutput {
    static func run(_ argv: [String], timeout: Double) -> (status: Int32, output: String)? {
        guard let pipe = try? makePipe() else { return nil }
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        var environment = Supervisor.currentEnvironment()
        environment.removeAll { $0.hasPrefix(ServiceContract.Environment.service + "=") || $0.hasPrefix(ServiceContract.Environment.id + "=") }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        let pid = cArgs.withUnsafeBufferPointer { a in
            cEnv.withUnsafeBufferPointer { e in cshim_spawn_stdio(argv[0], a.baseAddress, e.baseAddress, -1, -1, null, pipe.write, null) }
        }
        close(pipe.write)
        defer { close(pipe.read) }
        guard pid > 0 else { return nil }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let deadline = MonotonicClock.now() + timeout
        var finished = false
        while !finished, DescriptorReadiness.wait(fd: pipe.read, events: Int16(POLLIN), until: deadline) == .ready {
            let n = retryingEINTR { read(pipe.read, &chunk, chunk.count) }
            if n > 0 { output += chunk[0..<n] } else { finished = true }
        }
        if !finished { kill(pid, SIGKILL) }
        var status: Int32 = 0
        _ = retryingEINTR { waitpid(pid, &status, 0) }
        guard finished, cshim_wifexited(status) != 0 else { return nil }
        return (cshim_wexitstatus(status), String(decoding: output, as: UTF8.self))
    }
}
