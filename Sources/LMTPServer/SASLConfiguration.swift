import ConfParse
import SASL

/// What LMTP AUTH takes from imapd.conf, under Cyrus's option names:
/// every `sasl_*` / `<service>_sasl_*` line for libsasl2 (`sasl_pwcheck_method`,
/// `sasl_mech_list`, `sasl_auxprop_plugin`, `sasl_sasldb_path`, ...), `sasl_minimum_layer`,
/// `allowplaintext`, and `failedloginpause` (seconds before a `535`, default 3).
public struct SASLConfiguration: Sendable, Equatable {
    /// The SASL service name Cyrus's lmtpd registers (`sasl_server_new("lmtp", ...)`).
    public static let serviceName = "lmtp"
    /// The identity of pre-authorized connections (Cyrus: `postman`).
    public static let preauthorizedIdentity = "postman"
    /// Cyrus's `failedloginpause` default.
    public static let defaultFailedLoginPause = 3

    /// `servername`: the SASL server FQDN and default realm.
    public var serverFQDN: String
    public var options: SASLOptions
    public var policy: SASLPolicy
    /// `failedloginpause`: seconds to wait before answering a failed AUTH; each further
    /// failure in the same session waits that much longer, up to `maximumPause`.
    public var failedLoginPause: Int

    /// The longest pause after a failed AUTH, in seconds.
    public var maximumPause: Int { max(failedLoginPause, 5) }

    public init(serverFQDN: String, options: SASLOptions = SASLOptions(), policy: SASLPolicy = SASLPolicy(),
                failedLoginPause: Int = SASLConfiguration.defaultFailedLoginPause) {
        self.serverFQDN = serverFQDN
        self.options = options
        self.policy = policy
        self.failedLoginPause = max(0, failedLoginPause)
    }

    public init(_ imapd: ImapdConfig, serverFQDN: String) {
        self.init(
            serverFQDN: serverFQDN,
            options: SASLOptions(lines: imapd.entries.map { ($0.key, $0.value) }, service: imapd.service),
            policy: SASLPolicy(minimumSSF: imapd[.saslMinimumLayer], allowPlaintext: imapd[.allowplaintext]),
            failedLoginPause: imapd.overflow("failedloginpause").flatMap(Self.seconds) ?? Self.defaultFailedLoginPause)
    }

    /// The pause before the `count`-th failure's reply: `failedloginpause` × count, capped.
    public func pause(afterFailures count: Int) -> Int {
        min(failedLoginPause * max(1, count), maximumPause)
    }

    /// `3`, `3s`, `1m` (Cyrus durations; a bare number is seconds).
    static func seconds(_ text: String) -> Int? {
        let trimmed = String(text.lowercased().filter { $0 != " " && $0 != "\t" })
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600]
        if let unit = trimmed.last, let factor = units[unit], let value = Int(trimmed.dropLast()), value >= 0 {
            return value * factor
        }
        return Int(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }
}
