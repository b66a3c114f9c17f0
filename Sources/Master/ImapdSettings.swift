import ConfParse

/// What master reads from imapd.conf (ident `master`).
struct ImapdSettings {
    var configDirectory: String
    /// `syslog_prefix`, default `cyrus`.
    var syslogPrefix: String
    /// `master_bind_errors_fatal` (default off).
    var bindErrorsFatal: Bool

    static func load(path: String) -> Result<ImapdSettings, ConfigError> {
        do throws(ConfigError) {
            let config = try ImapdConfig.load(path: path, service: "master")
            try config.validate(needsPartition: false)
            let prefix = config[.syslogPrefix].flatMap { $0.isEmpty ? nil : $0 } ?? "cyrus"
            return .success(ImapdSettings(configDirectory: config[.configdirectory] ?? "/var/lib/cyrus",
                                          syslogPrefix: prefix, bindErrorsFatal: config[.masterBindErrorsFatal]))
        } catch {
            return .failure(error)
        }
    }

}
