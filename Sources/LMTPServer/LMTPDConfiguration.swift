import ConfParse
import Glibc
import LMTP
import Mailstore
import TLS

/// Everything an lmtpd process takes from imapd.conf, under Cyrus's option names, turned into
/// the settings of the engine, the store and the server loop.
public struct LMTPDConfiguration: Sendable {
    /// The service name (`CYRUS_SERVICE`, or `lmtp`): the imapd.conf override prefix.
    public var service: String
    public var settings: LMTPSettings
    public var mailstore: MailstoreConfig
    public var addressing: RecipientAddressing
    /// What happens to a recipient's mail beyond naming its Maildir: folders, autocreate,
    /// quota, duplicates.
    public var policy: DeliveryPolicy
    /// Seconds a session may wait for the client's next bytes: our `lmtp_idle_timeout`
    /// (default 360, Cyrus lmtpd's fixed value); 0 waits forever.
    public var idleTimeout: Int
    /// `configdirectory`: Cyrus's state directory (the accept lock lives in its `socket/`).
    public var configDirectory: String
    /// syslog ident: `<syslog_prefix>/<service>`, `cyrus/<service>` by default (as Debian's Cyrus).
    public var syslogIdent: String
    /// Cyrus's `umask` (octal, default 077).
    public var umask: mode_t
    /// Cyrus's `debug_command`, run by `-D`.
    public var debugCommand: String?
    /// `cyrus_user` and `cyrus_group` (nil when unset): whom lmtpd becomes when started as root.
    public var cyrusUser: String?
    public var cyrusGroup: String?
    /// imapd.conf keys that are neither Cyrus options we know nor overflow we use.
    public var unknownOptions: [UnknownOption]
    /// LMTP AUTH: the `sasl_*` options, `allowplaintext`, `sasl_minimum_layer`, `failedloginpause`.
    public var sasl: SASLConfiguration
    /// STARTTLS from the `tls_*` options; nil when TLS is off (see `tlsConfiguration`).
    public var tls: TLSServerConfiguration?
    /// Sieve at delivery: where scripts are, limits, `sendmail`.
    public var sieve: SieveSettings

    /// Cyrus lmtpd's session timeout (`prot_settimeout(..., 360)`).
    public static let defaultIdleTimeout = 360

    /// Reads and checks imapd.conf for `service`.
    public static func load(path: String, service: String) throws(ConfigError) -> LMTPDConfiguration {
        let imapd = try ImapdConfig.load(path: path, service: service)
        return try LMTPDConfiguration(imapd, service: service)
    }

    public init(_ imapd: ImapdConfig, service: String) throws(ConfigError) {
        try imapd.validate(needsPartition: true)
        let servername = imapd[.servername] ?? Self.hostname()
        self.service = service
        settings = LMTPSettings(
            servername: servername,
            serverInfo: LMTP.ServerInfo(rawValue: imapd[.serverinfo].rawValue) ?? .on,
            product: ProductInfo.name,
            version: ProductInfo.version,
            maxMessageSize: max(0, imapd[.maxmessagesize]),
            downcaseRecipients: imapd[.lmtpDowncaseRcpt],
            strictRFC2821: imapd[.lmtpStrictRfc2821],
            munge8bit: imapd[.munge8bit],
            reject8bit: imapd[.reject8bit],
            preauthenticated: false,
            softNoAuth: imapd[.softNoauth],
            postmaster: imapd[.postmaster],
            sessionIDPrefix: imapd[.syslogPrefix] ?? servername
        )
        settings.addMissingMessageID = imapd[.lmtpAddMissingMessageId]
        settings.addMissingDate = imapd[.lmtpAddMissingDate]
        settings.sessionIDHeader = imapd[.lmtpAddSessionIdHeader]
        settings.deliveredTo = imapd[.lmtpAddDeliveredTo]
        mailstore = MailstoreConfig(
            partitionRoot: imapd.partitionPath() ?? "",
            pathTemplate: imapd[.maildirPath],
            hostname: Self.hostname()
        )
        if let problem = mailstore.problem() {
            let place = imapd.location(of: .maildirPath)
            throw ConfigError(file: place?.file ?? imapd.path, line: place?.line, message: problem)
        }
        addressing = RecipientAddressing(virtualDomains: imapd[.virtdomains] != .off, defaultDomain: imapd[.defaultdomain])
        policy = try DeliveryPolicy(imapd)
        idleTimeout = max(0, imapd[.lmtpIdleTimeout])
        configDirectory = imapd[.configdirectory] ?? ""
        syslogIdent = "\(imapd[.syslogPrefix] ?? "cyrus")/\(service)"
        umask = Self.octal(imapd[.umask]) ?? 0o077
        debugCommand = imapd[.debugCommand]
        cyrusUser = imapd[.cyrusUser]
        cyrusGroup = imapd[.cyrusGroup]
        unknownOptions = imapd.unknownOptions
        sasl = SASLConfiguration(imapd, serverFQDN: servername)
        tls = Self.tlsConfiguration(imapd, service: service)
        sieve = SieveSettings(imapd, partitionRoot: mailstore.partitionRoot)
        if case .template(let template) = sieve.layout, let problem = PathTemplate(template).problem {
            let place = imapd.location(of: .sieveScriptPath)
            throw ConfigError(file: place?.file ?? imapd.path, line: place?.line, message: "sieve_script_path \"\(template)\": \(problem)")
        }
    }

    /// The system's host name (the default `servername`), `localhost` when it has none.
    public static func systemHostname() -> String { hostname() }

    /// An octal `umask` value (`077`), nil when it is not one.
    public static func octalMode(_ text: String) -> mode_t? { octal(text) }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func octal(_ text: String) -> mode_t? {
        guard !text.isEmpty, let value = mode_t(text, radix: 8), value <= 0o777 else { return nil }
        return value
    }
}

/// Our name and version, as the greeting and `Received:` show them with `serverinfo: on`.
public enum ProductInfo {
    public static let name = "CyrusDelivery"
    public static let version = "0.1.0"
}
