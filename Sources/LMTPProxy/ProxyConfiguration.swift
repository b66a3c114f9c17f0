import ConfParse
import Glibc
import LMTP
import LMTPServer
import Postgres

/// What an lmtpproxyd process takes from imapd.conf (the service's overrides apply): the
/// engine's settings (as lmtpd's, but no `Return-Path:`, `Delivered-To:` or session header,
/// which the backend's final delivery writes, and no BINARYMIME, which DATA cannot relay), the
/// backends, the timeouts, and the process's identity and logging.
public struct ProxyConfiguration: Sendable {
    public var service: String
    public var settings: LMTPSettings
    public var backends: [ProxyBackend]
    public var timeouts: ProxyTimeouts
    /// Seconds a session may wait for the client (`lmtp_idle_timeout`).
    public var idleTimeout: Int
    public var configDirectory: String
    public var syslogIdent: String
    public var umask: mode_t
    public var cyrusUser: String?
    public var cyrusGroup: String?
    /// The routing map in PostgreSQL (`sql_engine: pgsql`); nil: rendezvous hashing alone.
    public var map: PostgresRouteMap.Settings?

    /// Reads and checks imapd.conf for `service`.
    public static func load(path: String, service: String) throws(ConfigError) -> ProxyConfiguration {
        let imapd = try ImapdConfig.load(path: path, service: service)
        try imapd.validate(needsPartition: false)
        let servername = imapd[.servername] ?? LMTPDConfiguration.systemHostname()
        var settings = LMTPSettings(
            servername: servername,
            serverInfo: LMTP.ServerInfo(rawValue: imapd[.serverinfo].rawValue) ?? .on,
            product: ProductInfo.name, version: ProductInfo.version,
            maxMessageSize: max(0, imapd[.maxmessagesize]),
            downcaseRecipients: imapd[.lmtpDowncaseRcpt], strictRFC2821: imapd[.lmtpStrictRfc2821],
            munge8bit: false, reject8bit: false, preauthenticated: false, softNoAuth: imapd[.softNoauth],
            postmaster: imapd[.postmaster], sessionIDPrefix: imapd[.syslogPrefix] ?? servername)
        settings.addReturnPath = false
        settings.binaryMIME = false
        let backends: [ProxyBackend]
        do throws(ProxyConfigurationError) {
            backends = try ProxyBackend.parseList(imapd[.proxyBackends])
        } catch {
            let place = imapd.location(of: .proxyBackends)
            throw ConfigError(file: place?.file ?? imapd.path, line: place?.line, message: error.description)
        }
        guard !backends.isEmpty else {
            throw ConfigError(file: imapd.path, line: nil, message: "proxy_backends: no backend is configured")
        }
        let prefix = imapd[.syslogPrefix].flatMap { $0.isEmpty ? nil : $0 } ?? "cyrus"
        var map: PostgresRouteMap.Settings?
        if let engine = imapd[.sqlEngine] {
            guard engine == .pgsql else {
                let place = imapd.location(of: .sqlEngine)
                throw ConfigError(file: place?.file ?? imapd.path, line: place?.line,
                                  message: "sql_engine: \(engine.rawValue) is not supported for the routing map (only pgsql)")
            }
            var database = PostgresSettings(hostnames: imapd[.sqlHostnames], database: imapd[.sqlDatabase], user: imapd[.sqlUser],
                                            password: imapd[.sqlPasswd], useSSL: imapd[.sqlUsessl])
            database.connectTimeout = 3
            database.statementTimeout = 5
            database.applicationName = "lmtpproxyd"
            map = PostgresRouteMap.Settings(database: database, query: imapd[.proxyMapQuery], channel: imapd[.proxyMapChannel])
        }
        return ProxyConfiguration(
            service: service, settings: settings, backends: backends,
            timeouts: ProxyTimeouts(connect: Double(max(1, imapd[.proxyConnectTimeout])), reply: Double(max(1, imapd[.proxyTimeout]))),
            idleTimeout: imapd[.lmtpIdleTimeout], configDirectory: imapd[.configdirectory] ?? "/var/lib/cyrus",
            syslogIdent: "\(prefix)/\(service)", umask: LMTPDConfiguration.octalMode(imapd[.umask]) ?? 0o077,
            cyrusUser: imapd[.cyrusUser], cyrusGroup: imapd[.cyrusGroup], map: map)
    }
}
