import Testing
@testable import ConfParse

/// What Tests/Fixtures/README.md says each imapd.conf fixture must yield.
struct ExpectedImapdConf: Sendable, CustomTestStringConvertible {
    let file: String
    /// Every key, in file order (continuations and comments yield none).
    let keys: [String]
    let configdirectory: String
    let defaultpartition: String
    let partition: String
    /// The one value written with two spaces after its colon.
    let ptscache: String
    /// `mupdate_password`, in the files that have one.
    var mupdatePassword: String? = nil

    var testDescription: String { file }

    /// The path and socket options every fixture sets, between `configdirectory` and the partition.
    static let paths = ["proc_path", "mboxname_lockpath", "duplicate_db_path", "ptscache_db_path",
                        "statuscache_db_path", "tls_sessions_db_path"]
    /// The store options that follow the partition in most fixtures.
    static let store = ["sievedir", "lmtpsocket", "idlesocket", "notifysocket", "syslog_prefix", "httpmodules",
                        "hashimapspool", "popminpoll", "allowplaintext", "sasl_pwcheck_method", "sasl_auto_transition",
                        "tls_client_ca_dir", "tls_session_timeout"]

    static let all: [ExpectedImapdConf] = [
        .init(file: "store-backend.conf",
              keys: ["admins", "servername", "mupdate_server", "mupdate_username", "mupdate_authname", "mupdate_password",
                     "proxyservers", "lmtp_admins", "allowusermoves", "configdirectory"] + paths
                  + ["defaultpartition", "partition-main"] + store,
              configdirectory: "/srv/store1/conf", defaultpartition: "main", partition: "/srv/store1/spool",
              ptscache: "/run/store1/ptscache.db", mupdatePassword: "not-a-real-password"),
        .init(file: "proxy-front.conf",
              keys: ["admins", "servername", "serverlist", "mupdate_server", "mupdate_username", "mupdate_authname",
                     "mupdate_password", "proxy_authname", "proxy_password", "allowusermoves", "configdirectory"] + paths
                  + ["defaultpartition", "partition-spare"] + store,
              configdirectory: "/srv/front1/conf", defaultpartition: "spare", partition: "/srv/front1/spool",
              ptscache: "/run/front1/ptscache.db", mupdatePassword: "also-not-a-password"),
        .init(file: "mboxdir.conf",
              keys: ["admins", "servername", "allowallsubscribe", "defaultacl", "mupdate_connections_max",
                     "configdirectory"] + paths
                  + ["defaultpartition", "partition-unused", "syslog_prefix", "allowplaintext", "sasl_pwcheck_method",
                     "sasl_mech_list", "sasl_minimum_layer", "sasl_auto_transition"],
              configdirectory: "/srv/mboxdir/conf", defaultpartition: "unused", partition: "/srv/mboxdir/empty",
              ptscache: "/run/mboxdir/ptscache.db"),
        .init(file: "store-primary.conf",
              keys: ["admins", "servername", "sync_authname", "sync_password", "sync_compress", "sync_log",
                     "sync_log_channels", "standby1_sync_host", "standby1_sync_repeat_interval",
                     "standby1_shutdown_file", "standby2_sync_host", "standby2_sync_repeat_interval",
                     "standby2_shutdown_file", "offsite_sync_port", "offsite_sync_host",
                     "offsite_sync_repeat_interval", "offsite_shutdown_file", "configdirectory"] + paths
                  + ["defaultpartition", "partition-mail"] + store,
              configdirectory: "/srv/primary/conf", defaultpartition: "mail", partition: "/srv/primary/spool",
              ptscache: "/run/primary/ptscache.db"),
        .init(file: "store-standby.conf",
              keys: ["admins", "servername", "configdirectory"] + paths + ["defaultpartition", "partition-mail"] + store,
              configdirectory: "/srv/standby1/conf", defaultpartition: "mail", partition: "/srv/standby1/spool",
              ptscache: "/run/standby1/ptscache.db"),
        .init(file: "single-host.conf",
              keys: ["admins", "configdirectory"] + paths
                  + ["defaultpartition", "partition-default", "sievedir", "lmtpsocket", "idlesocket", "notifysocket",
                     "syslog_prefix", "httpmodules", "hashimapspool", "virtdomains", "defaultdomain", "popminpoll",
                     "allowplaintext", "sasl_pwcheck_method", "sasl_auto_transition", "tls_client_ca_dir",
                     "tls_session_timeout"],
              configdirectory: "/srv/mailhost/conf", defaultpartition: "default", partition: "/srv/mailhost/spool",
              ptscache: "/run/mailhost/ptscache.db"),
    ]
}

@Suite("imapd.conf: the fixtures in Tests/Fixtures/imapd-conf")
struct ImapdConfigFixtureTests {
    @Test("keys in order, spot values, no errors, warnings or unknowns", arguments: ExpectedImapdConf.all)
    func fixture(_ expected: ExpectedImapdConf) throws {
        let config = try ImapdConfig.load(path: Fixtures.path("imapd-conf/" + expected.file), service: "lmtpunix")
        #expect(config.entries.map(\.key) == expected.keys)
        #expect(config.warnings.isEmpty, "\(config.warnings)")
        #expect(config.unknownOptions.isEmpty, "\(config.unknownOptions)")
        #expect(config[.configdirectory] == expected.configdirectory)
        #expect(config[.defaultpartition] == expected.defaultpartition)
        #expect(config.partitionPath() == expected.partition)
        #expect(config.overflow("ptscache_db_path") == expected.ptscache)
        #expect(config[.allowplaintext] == true)
        try config.validate(needsPartition: true)
        #expect(config.overflow("mupdate_password") == expected.mupdatePassword)
        if config.entries.contains(where: { $0.key == "tls_session_timeout" }) {
            #expect(config[.tlsSessionTimeout] == 24 * 3600)
        }
        if config.entries.contains(where: { $0.key == "hashimapspool" }) {
            #expect(config.checkedValue("hashimapspool") == .bool(true))
        }
    }

    @Test("store-backend: lmtp_admins is the admins of the service named lmtp only")
    func serviceSpecificAdmins() throws {
        let path = try Fixtures.path("imapd-conf/store-backend.conf")
        let lmtp = try ImapdConfig.load(path: path, service: "lmtp")
        #expect(lmtp[.admins] == "frontproxy")
        #expect(lmtp.location(of: .admins)?.line == 17)
        #expect(lmtp.overflow("lmtp_admins") == nil)
        let lmtpunix = try ImapdConfig.load(path: path, service: "lmtpunix")
        #expect(lmtpunix[.admins] == "mailadmin clusterops")
        #expect(lmtpunix.overflow("lmtp_admins") == "frontproxy")
    }

    @Test("single-host: virtdomains yes is the enum value on; typed spot values")
    func singleHostSemantics() throws {
        let config = try ImapdConfig.load(path: Fixtures.path("imapd-conf/single-host.conf"), service: "lmtpunix")
        #expect(config[.virtdomains] == .on)
        #expect(config[.defaultdomain] == "example.net")
        #expect(config[.sievedir] == "/srv/mailhost/sieve")
        #expect(config[.duplicateDbPath] == "/run/mailhost/deliver.db")
        #expect(config[.syslogPrefix] == "mailhost")
        #expect(config[.maxmessagesize] == 0)
        #expect(config.overflow("sasl_pwcheck_method") == "pam")
        #expect(config.overflow("popminpoll") == "5")
    }
}
