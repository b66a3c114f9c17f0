import ConfParse
import Glibc
import ServiceContract

/// What lmtpproxyd would refuse in its configuration, found before it is started:
/// `proxy_backends` missing or malformed, a `cyrus_user` that cannot be used; and as warnings,
/// a backend's unix socket that does not exist yet. `lmtpproxyd --check-config SERVICE` prints
/// them as ``CheckConfigProtocol`` says, for `minimaster --check`.
public enum ProxyConfigCheck {
    public static func run(path: String, service: String) -> [ConfigDiagnostic] {
        let configuration: ProxyConfiguration
        do throws(ConfigError) {
            configuration = try ProxyConfiguration.load(path: path, service: service)
        } catch {
            return error.diagnostics
        }
        var findings: [ConfigDiagnostic] = []
        if ServiceUser.isRoot {
            do throws(ServiceUser.Problem) {
                _ = try ServiceUser.resolve(userOption: configuration.cyrusUser, groupOption: configuration.cyrusGroup)
            } catch {
                findings.append(ConfigDiagnostic(file: path, line: nil, message: "lmtpproxyd must run as the Cyrus user: \(error)"))
            }
        }
        for backend in configuration.backends {
            guard case .unix(let socketPath) = backend.address else { continue }
            var info = stat()
            if stat(socketPath, &info) != 0 || (info.st_mode & S_IFMT) != S_IFSOCK {
                findings.append(ConfigDiagnostic(file: path, line: nil,
                                                 message: "proxy_backends: \(backend.name)=\(socketPath) is not a socket (yet); its recipients get 451 4.4.1 until it is",
                                                 severity: .warning))
            }
        }
        return findings
    }
}
