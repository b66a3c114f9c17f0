import Glibc
import Logging
import POSIXCore

/// Cyrus's `-D`: runs imapd.conf's `debug_command`, a printf format given the program path,
/// the pid and the service name (`%s %d %s`), through /bin/sh, and waits for it.
public enum DebugCommand {
    public static func run(_ format: String, program: String, service: String, logger: Logger) {
        let command = expand(format, program: program, pid: getpid(), service: service)
        logger.info("running debug command: \(command)")
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0 else {
            logger.error("cannot run debug command")
            return
        }
        var status: Int32 = 0
        _ = retryingEINTR { waitpid(pid, &status, 0) }
    }

    /// Substitutes the first `%s`, `%d`, `%s` in order (program, pid, service); `%%` is `%`.
    static func expand(_ format: String, program: String, pid: pid_t, service: String) -> String {
        var values = [program, String(pid), service][...]
        var out = ""
        var iterator = format.makeIterator()
        while let c = iterator.next() {
            guard c == "%" else { out.append(c); continue }
            switch iterator.next() {
            case "%": out.append("%")
            case "s", "d": out += values.popFirst() ?? ""
            case let other?: out.append("%"); out.append(other)
            case nil: out.append("%")
            }
        }
        return out
    }
}
