import ConfParse
import ServiceContract

/// What master reads from imapd.conf (ident `master`).
struct ImapdSettings {
    var configDirectory: String
    /// `syslog_prefix`, default `cyrus`.
    var syslogPrefix: String
    /// `master_bind_errors_fatal` (default off).
    var bindErrorsFatal: Bool
    /// `cyrus_user` and `cyrus_group` (nil when unset): whom to become after binding as root.
    var cyrusUser: String?
    var cyrusGroup: String?
    /// `prometheus_enabled` (default off) and our `prometheus_listen`: the metrics endpoint.
    var prometheusEnabled = false
    var prometheusListen = "127.0.0.1:9145"

    /// The identity the services run as when minimaster starts as root.
    func serviceUser() throws(ServiceUser.Problem) -> ServiceUser {
        try ServiceUser.resolve(userOption: cyrusUser, groupOption: cyrusGroup)
    }

    static func load(path: String) -> Result<ImapdSettings, ConfigError> {
        do throws(ConfigError) {
            let config = try ImapdConfig.load(path: path, service: "master")
            try config.validate(needsPartition: false)
            let prefix = config[.syslogPrefix].flatMap { $0.isEmpty ? nil : $0 } ?? "cyrus"
            return .success(ImapdSettings(configDirectory: config[.configdirectory] ?? "/var/lib/cyrus",
                                          syslogPrefix: prefix, bindErrorsFatal: config[.masterBindErrorsFatal],
                                          cyrusUser: config[.cyrusUser], cyrusGroup: config[.cyrusGroup],
                                          prometheusEnabled: config[.prometheusEnabled],
                                          prometheusListen: config[.prometheusListen]))
        } catch {
            return .failure(error)
        }
    }

}
