import Testing
@testable import ConfParse

@Suite("imapd.conf: shipped Cyrus examples")
struct ImapdConfigFixtureTests {
    static let expectedKeys: [String: [String]] = [
        "murder-backend.conf": [
            "admins", "servername", "mupdate_server", "mupdate_username", "mupdate_authname", "mupdate_password",
            "proxyservers", "lmtp_admins", "allowusermoves", "configdirectory", "proc_path", "mboxname_lockpath",
            "duplicate_db_path", "ptscache_db_path", "statuscache_db_path", "tls_sessions_db_path", "defaultpartition",
            "partition-default", "sievedir", "lmtpsocket", "idlesocket", "notifysocket", "syslog_prefix", "httpmodules",
            "hashimapspool", "popminpoll", "allowplaintext", "sasl_pwcheck_method", "sasl_auto_transition",
            "tls_client_ca_dir", "tls_session_timeout",
        ],
        "murder-frontend.conf": [
            "admins", "servername", "serverlist", "mupdate_server", "mupdate_username", "mupdate_authname",
            "mupdate_password", "proxy_authname", "proxy_password", "allowusermoves", "configdirectory", "proc_path",
            "mboxname_lockpath", "duplicate_db_path", "ptscache_db_path", "statuscache_db_path", "tls_sessions_db_path",
            "defaultpartition", "partition-default", "sievedir", "lmtpsocket", "idlesocket", "notifysocket",
            "syslog_prefix", "httpmodules", "hashimapspool", "popminpoll", "allowplaintext", "sasl_pwcheck_method",
            "sasl_auto_transition", "tls_client_ca_dir", "tls_session_timeout",
        ],
        "murder-mupdate.conf": [
            "admins", "servername", "allowallsubscribe", "defaultacl", "mupdate_connections_max", "configdirectory",
            "proc_path", "mboxname_lockpath", "duplicate_db_path", "ptscache_db_path", "statuscache_db_path",
            "tls_sessions_db_path", "defaultpartition", "partition-default", "syslog_prefix", "allowplaintext",
            "sasl_pwcheck_method", "sasl_mech_list", "sasl_minimum_layer", "sasl_auto_transition",
        ],
        "normal-master.conf": [
            "admins", "servername", "sync_authname", "sync_password", "sync_compress", "sync_log", "sync_log_channels",
            "repl1_sync_host", "repl1_sync_repeat_interval", "repl1_shutdown_file", "repl2_sync_host",
            "repl2_sync_repeat_interval", "repl2_shutdown_file", "offsite_sync_port", "offsite_sync_host",
            "offsite_sync_repeat_interval", "offsite_shutdown_file", "configdirectory", "proc_path", "mboxname_lockpath",
            "duplicate_db_path", "ptscache_db_path", "statuscache_db_path", "tls_sessions_db_path", "defaultpartition",
            "partition-default", "sievedir", "lmtpsocket", "idlesocket", "notifysocket", "syslog_prefix", "httpmodules",
            "hashimapspool", "popminpoll", "allowplaintext", "sasl_pwcheck_method", "sasl_auto_transition",
            "tls_client_ca_dir", "tls_session_timeout",
        ],
        "normal-replica1.conf": [
            "admins", "servername", "configdirectory", "proc_path", "mboxname_lockpath", "duplicate_db_path",
            "ptscache_db_path", "statuscache_db_path", "tls_sessions_db_path", "defaultpartition", "partition-default",
            "sievedir", "lmtpsocket", "idlesocket", "notifysocket", "syslog_prefix", "httpmodules", "hashimapspool",
            "popminpoll", "allowplaintext", "sasl_pwcheck_method", "sasl_auto_transition", "tls_client_ca_dir",
            "tls_session_timeout",
        ],
        "normal.conf": [
            "admins", "configdirectory", "proc_path", "mboxname_lockpath", "duplicate_db_path", "ptscache_db_path",
            "statuscache_db_path", "tls_sessions_db_path", "defaultpartition", "partition-default", "sievedir",
            "lmtpsocket", "idlesocket", "notifysocket", "syslog_prefix", "httpmodules", "hashimapspool", "virtdomains",
            "defaultdomain", "popminpoll", "allowplaintext", "sasl_pwcheck_method", "sasl_auto_transition",
            "tls_client_ca_dir", "tls_session_timeout",
        ],
    ]

    @Test("keys in order, spot values, no errors, warnings or unknowns",
          arguments: ["murder-backend.conf", "murder-frontend.conf", "murder-mupdate.conf", "normal-master.conf",
                      "normal-replica1.conf", "normal.conf"])
    func fixture(_ name: String) throws {
        let config = try ImapdConfig.load(path: Fixtures.path("cyrus/imapd_conf/" + name), service: "lmtpunix")
        #expect(config.entries.map(\.key) == Self.expectedKeys[name])
        #expect(config.warnings.isEmpty, "\(config.warnings)")
        #expect(config.unknownOptions.isEmpty, "\(config.unknownOptions)")
        #expect(config[.configdirectory] == "/var/lib/cyrus")
        #expect(config[.defaultpartition] == "default")
        #expect(config.partitionPath() == (name == "murder-mupdate.conf" ? "/tmp" : "/var/spool/cyrus/mail"))
        #expect(config.overflow("ptscache_db_path") == "/run/cyrus/ptscache.db")
        #expect(config[.allowplaintext] == true)
        try config.validate(needsPartition: true)
        if name.hasPrefix("murder-b") || name.hasPrefix("murder-f") {
            #expect(config.overflow("mupdate_password") == "<secret>")
        }
        if config.entries.contains(where: { $0.key == "tls_session_timeout" }) {
            #expect(config[.tlsSessionTimeout] == 24 * 3600)
        }
        if config.entries.contains(where: { $0.key == "hashimapspool" }) {
            #expect(config.checkedValue("hashimapspool") == .bool(true))
        }
    }

    @Test("murder-backend: lmtp_admins is the admins of the service named lmtp only")
    func serviceSpecificAdmins() throws {
        let path = try Fixtures.path("cyrus/imapd_conf/murder-backend.conf")
        let lmtp = try ImapdConfig.load(path: path, service: "lmtp")
        #expect(lmtp[.admins] == "mailproxy")
        #expect(lmtp.location(of: .admins)?.line == 29)
        #expect(lmtp.overflow("lmtp_admins") == nil)
        let lmtpunix = try ImapdConfig.load(path: path, service: "lmtpunix")
        #expect(lmtpunix[.admins] == "cyrus murder")
        #expect(lmtpunix.overflow("lmtp_admins") == "mailproxy")
    }

    @Test("normal.conf: virtdomains yes is the enum value on; typed spot values")
    func normalSemantics() throws {
        let config = try ImapdConfig.load(path: Fixtures.path("cyrus/imapd_conf/normal.conf"), service: "lmtpunix")
        #expect(config[.virtdomains] == .on)
        #expect(config[.sievedir] == "/var/spool/sieve")
        #expect(config[.duplicateDbPath] == "/run/cyrus/deliver.db")
        #expect(config[.syslogPrefix] == "cyrus")
        #expect(config[.maxmessagesize] == 0)
        #expect(config.overflow("sasl_pwcheck_method") == "saslauthd")
        #expect(config.overflow("popminpoll") == "1")
    }
}
