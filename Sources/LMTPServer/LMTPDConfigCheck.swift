import ConfParse
import DuplicateStore
import Glibc
import ServiceContract
import TLS

/// Everything lmtpd would refuse in its configuration, found before it is started: at load
/// (bad `maildir_path`, `autocreate_inbox_folders` names that cannot be folders, ...), at
/// start-up (a `cyrus_user` that cannot be used, TLS files that do not load) and at the first
/// delivery (a partition or a `duplicate_db_path` directory that is missing or not writable).
///
/// `lmtpd --check-config SERVICE` runs it, as the user lmtpd would run as, and prints the
/// findings in the form ``CheckConfigProtocol`` describes, so that `minimaster --check` can
/// ask every program it would start about its own options.
public enum LMTPDConfigCheck {
    /// The findings for imapd.conf at `path` read as `service` (errors and warnings, each with
    /// file:line where an option is to blame).
    public static func run(path: String, service: String) -> [ConfigDiagnostic] {
        let imapd: ImapdConfig
        let configuration: LMTPDConfiguration
        do throws(ConfigError) {
            imapd = try ImapdConfig.load(path: path, service: service)
            configuration = try LMTPDConfiguration(imapd, service: service)
        } catch {
            return error.diagnostics
        }
        var findings: [ConfigDiagnostic] = []
        func report<Value>(_ option: ImapdOption<Value>?, _ message: String) {
            let place = option.flatMap { imapd.location(of: $0) }
            findings.append(ConfigDiagnostic(file: place?.file ?? imapd.path, line: place?.line, message: message))
        }
        if ServiceUser.isRoot {
            do throws(ServiceUser.Problem) {
                // The remaining checks see the files as lmtpd will.
                try ServiceUser.resolve(userOption: configuration.cyrusUser, groupOption: configuration.cyrusGroup).become()
            } catch {
                let option: ImapdOption<String?> = if case .unknownGroup = error { .cyrusGroup } else { .cyrusUser }
                report(option, "lmtpd must run as the Cyrus user: \(error)")
                return findings
            }
        }
        if LMTPDConfiguration.octal(imapd[.umask]) == nil {
            report(.umask, "umask: \"\(imapd[.umask])\" is not an octal file mode")
        }
        let partition = configuration.mailstore.partitionRoot
        if let problem = directoryProblem(partition) {
            findings.append(ConfigDiagnostic(file: imapd.path, line: imapd.overflowLocation(partitionKey(imapd))?.line,
                                             message: "\(partitionKey(imapd)): \(partition): \(problem)"))
        }
        if let duplicates = configuration.policy.duplicates, let path = duplicates.path {
            let directory = parentDirectory(of: path)
            if let problem = directoryProblem(directory) {
                report(.duplicateDbPath, "duplicate_db_path: \(directory): \(problem) (duplicatesuppression is on)")
            }
        }
        if access(configuration.sieve.sendmail, X_OK) != 0 {
            let place = imapd.location(of: .sendmail)
            findings.append(ConfigDiagnostic(file: place?.file ?? imapd.path, line: place?.line,
                                             message: "sendmail: \(configuration.sieve.sendmail) is not an executable program; Sieve redirects and vacation replies will fail (4xx)",
                                             severity: .warning))
        }
        if let tls = configuration.tls {
            do {
                _ = try TLSServerContext(tls)
            } catch {
                report(ImapdOption<String?>.tlsServerCert, "STARTTLS would not be offered: \(error)")
            }
        }
        return findings
    }

    /// The option that names the partition lmtpd delivers into (`partition-<name>`).
    private static func partitionKey(_ imapd: ImapdConfig) -> String {
        "partition-" + (imapd[.defaultpartition] ?? "default").lowercased()
    }

    /// Why lmtpd could not create files in `path`, or nil.
    static func directoryProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "does not exist" }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return "is not a directory" }
        guard access(path, W_OK | X_OK) == 0 else { return "is not writable by uid \(geteuid())" }
        return nil
    }

    private static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
