// The typed imapd.conf options lmtpd and minimaster read, with Cyrus 3.6.1's names, types
// and defaults (docs/cyrus-compatibility.md §4.5). Every member must also be listed in
// `ImapdOptionTable.typedSpecs`. Options with no default in Cyrus are `String?` (nil when unset).

// MARK: Text options without a default

extension ImapdOption where Value == String? {
    /// Base directory of Cyrus state; required by every program (see `ImapdConfig.validate`).
    public static var configdirectory: Self { .optionalString("configdirectory") }
    /// Partition used for new mailboxes (`partition-<name>` gives its path).
    public static var defaultpartition: Self { .optionalString("defaultpartition") }
    /// Server name for greetings and headers; unset = the host name.
    public static var servername: Self { .optionalString("servername") }
    /// Syslog ident prefix (`<prefix>/<service>`).
    public static var syslogPrefix: Self { .optionalString("syslog_prefix") }
    /// Syslog facility name.
    public static var syslogFacility: Self { .optionalString("syslog_facility") }
    /// Directory of Cyrus mailbox lock files (Cyrus uses `{configdirectory}/lock` when unset).
    public static var mboxnameLockpath: Self { .optionalString("mboxname_lockpath") }
    /// Directory of process-state files (Cyrus uses `{configdirectory}/proc` when unset).
    public static var procPath: Self { .optionalString("proc_path") }
    /// Ours: the Maildir (a user name) whose folders are Cyrus's shared folders, for
    /// `<postuser>+folder` recipients (default: the Maildir named by `postuser`).
    public static var lmtpSharedMaildir: Self { .optionalString("lmtp_shared_maildir") }
    /// User whose INBOX receives mail for unknown recipients.
    public static var lmtpCatchallMailbox: Self { .optionalString("lmtp_catchall_mailbox") }
    /// Subfolders (separated by `|`) created with an autocreated INBOX.
    public static var autocreateInboxFolders: Self { .optionalString("autocreate_inbox_folders") }
    /// Notification method after each delivery.
    public static var mailnotifier: Self { .optionalString("mailnotifier") }
    /// Murder: the mupdate server.
    public static var mupdateServer: Self { .optionalString("mupdate_server") }
    /// Users allowed to proxy for others.
    public static var proxyservers: Self { .optionalString("proxyservers") }
    /// Server certificate file; STARTTLS needs it and `tlsServerKey` (neither `disabled`).
    public static var tlsServerCert: Self { .optionalString("tls_server_cert") }
    /// Server private key file.
    public static var tlsServerKey: Self { .optionalString("tls_server_key") }
    /// CA certificates file for client certificates.
    public static var tlsClientCaFile: Self { .optionalString("tls_client_ca_file") }
    /// CA certificates directory for client certificates.
    public static var tlsClientCaDir: Self { .optionalString("tls_client_ca_dir") }
    /// Diffie-Hellman parameters file.
    public static var tlsServerDhparam: Self { .optionalString("tls_server_dhparam") }
    /// Certificate revocation list file.
    public static var tlsCrlFile: Self { .optionalString("tls_crl_file") }
    /// TLS session cache database path.
    public static var tlsSessionsDbPath: Self { .optionalString("tls_sessions_db_path") }
    /// Command run by a service's `-D` option.
    public static var debugCommand: Self { .optionalString("debug_command") }
    /// Folders Sieve `fileinto` may create.
    public static var autocreateSieveFolders: Self { .optionalString("autocreate_sieve_folders") }
    /// Sieve `notify` method.
    public static var sievenotifier: Self { .optionalString("sievenotifier") }
    /// Directory of Prometheus statistics.
    public static var prometheusStatsDir: Self { .optionalString("prometheus_stats_dir") }
    /// User to run as (the `CYRUS_USER` environment variable wins).
    public static var cyrusUser: Self { .optionalString("cyrus_user") }
    /// Group to run as.
    public static var cyrusGroup: Self { .optionalString("cyrus_group") }
}

// MARK: Text options with a default

extension ImapdOption where Value == String {
    /// Process umask in octal digits, default `077`.
    public static var umask: Self { .string("umask", default: "077") }
    /// Domain treated as local when `virtdomains` is on, default `internal`.
    public static var defaultdomain: Self { .string("defaultdomain", default: "internal") }
    /// Temporary files directory, default `/tmp`.
    public static var tempPath: Self { .string("temp_path", default: "/tmp") }
    /// Special-use flags of `+detail` folders not delivered to, default `\Snoozed`.
    public static var lmtpExcludeSpecialuse: Self { .string("lmtp_exclude_specialuse", default: "\\Snoozed") }
    /// Local part meaning "shared mailbox" (`<postuser>+folder@…`), default empty.
    public static var postuser: Self { .string("postuser", default: "") }
    /// Address named in permission-denied replies and Sieve rejections, default `postmaster`.
    public static var postmaster: Self { .string("postmaster", default: "postmaster") }
    /// Duplicate-delivery database; default `{configdirectory}/deliver.db` (Cyrus's effective value).
    public static var duplicateDbPath: Self { .string("duplicate_db_path", default: "{configdirectory}/deliver.db") }
    /// Duplicate database backend, default `twoskip`.
    public static var duplicateDb: Self { .stringList("duplicate_db", ["skiplist", "sql", "twoskip", "zeroskip"], default: "twoskip") }
    /// Denied-users database backend, default `flat`.
    public static var userdenyDb: Self { .stringList("userdeny_db", ["flat", "skiplist", "sql", "twoskip", "zeroskip"], default: "flat") }
    /// Who may be autocreated, default `anyone`.
    public static var autocreateUsers: Self { .string("autocreate_users", default: "anyone") }
    /// Blank-separated administrators, default empty.
    public static var admins: Self { .string("admins", default: "") }
    /// TLS versions to keep enabled, default `tls1_0 tls1_1 tls1_2 tls1_3`.
    public static var tlsVersions: Self { .string("tls_versions", default: "tls1_0 tls1_1 tls1_2 tls1_3") }
    /// OpenSSL cipher list, default `DEFAULT`.
    public static var tlsCiphers: Self { .string("tls_ciphers", default: "DEFAULT") }
    /// Elliptic curve for ECDHE, default `prime256v1`.
    public static var tlsEccurve: Self { .string("tls_eccurve", default: "prime256v1") }
    /// Per-user Sieve script directories, default `/usr/sieve`.
    public static var sievedir: Self { .string("sievedir", default: "/usr/sieve") }
    /// Program used to send mail, default `/usr/lib/sendmail`.
    public static var sendmail: Self { .string("sendmail", default: "/usr/lib/sendmail") }
    /// IP ToS class of listeners, default `cs0`.
    public static var qosmarking: Self {
        .stringList("qosmarking", ["cs0", "cs1", "cs2", "cs3", "cs4", "cs5", "cs6", "cs7", "af11", "af12", "af13",
                                   "af21", "af22", "af23", "af31", "af32", "af33", "af41", "af42", "af43", "ef"],
                    default: "cs0")
    }
    /// Where deliver(8) connects, default `{configdirectory}/socket/lmtp` (lmtpd ignores it).
    public static var lmtpsocket: Self { .string("lmtpsocket", default: "{configdirectory}/socket/lmtp") }
    /// idled's socket, default `{configdirectory}/socket/idle`.
    public static var idlesocket: Self { .string("idlesocket", default: "{configdirectory}/socket/idle") }
    /// notifyd's socket, default `{configdirectory}/socket/notify`.
    public static var notifysocket: Self { .string("notifysocket", default: "{configdirectory}/socket/notify") }
    /// Ours, not Cyrus's: where a user's Maildir lives, default `%u`. `%u` user, `%n` local
    /// part, `%d` domain, `%%` a percent sign; relative to the partition unless absolute.
    /// Ours, not Cyrus's: where a user's Maildir lives, a template with `%u` (user, with
    /// `@domain` when a domain is kept), `%n` (local part), `%d` (domain), `%%`; relative to
    /// the partition unless absolute. lmtpd checks it (Mailstore's PathTemplate) at start.
    public static var maildirPath: Self { .string("maildir_path", default: "%u") }
}

// MARK: Enumerations

extension ImapdOption where Value == ServerInfo {
    /// Server information in greetings, default `.on`.
    public static var serverinfo: Self { .enumeration("serverinfo", default: .on) }
}

extension ImapdOption where Value == Virtdomains {
    /// Virtual domain support, default `.off`.
    public static var virtdomains: Self { .enumeration("virtdomains", default: .off) }
}

extension ImapdOption where Value == TLSClientCerts {
    /// Client certificate policy, default `.optional`.
    public static var tlsClientCerts: Self { .enumeration("tls_client_certs", default: .optional) }
}

extension ImapdOption where Value == SMTPBackend {
    /// How outgoing mail is sent, default `.sendmail`.
    public static var smtpBackend: Self { .stringListEnum("smtp_backend", default: .sendmail) }
}

// MARK: Switches

extension ImapdOption where Value == Bool {
    /// Debug logging, default off.
    public static var debug: Self { .boolean("debug", default: false) }
    /// Log every command line, default off.
    public static var chatty: Self { .boolean("chatty", default: false) }
    /// `/` as hierarchy separator (on, the default) or `.` (off); also splits `+detail`.
    public static var unixhierarchysep: Self { .boolean("unixhierarchysep", default: true) }
    /// Alternate namespace for folder names, default on.
    public static var altnamespace: Self { .boolean("altnamespace", default: true) }
    /// Hashed Cyrus spool layout, default off.
    public static var hashimapspool: Self { .boolean("hashimapspool", default: false) }
    /// Full directory hashing, default off.
    public static var fulldirhash: Self { .boolean("fulldirhash", default: false) }
    /// Lower-case recipients' local part and domain, default on.
    public static var lmtpDowncaseRcpt: Self { .boolean("lmtp_downcase_rcpt", default: true) }
    /// Reject 8-bit bytes in unquoted local parts, default on.
    public static var lmtpStrictRfc2821: Self { .boolean("lmtp_strict_rfc2821", default: true) }
    /// Case/space-insensitive `+detail` folder matching, default off.
    public static var lmtpFuzzyMailboxMatch: Self { .boolean("lmtp_fuzzy_mailbox_match", default: false) }
    /// Check quota including the message size, default off.
    public static var lmtpStrictQuota: Self { .boolean("lmtp_strict_quota", default: false) }
    /// Over quota is a permanent (552) failure, default off.
    public static var lmtpOverQuotaPermFailure: Self { .boolean("lmtp_over_quota_perm_failure", default: false) }
    /// MIME-parse messages once before delivery, default off.
    public static var lmtpPreparse: Self { .boolean("lmtp_preparse", default: false) }
    /// Suppress duplicate deliveries (Message-ID + Date), default on.
    public static var duplicatesuppression: Self { .boolean("duplicatesuppression", default: true) }
    /// One spool copy hard-linked into several mailboxes, default on.
    public static var singleinstancestore: Self { .boolean("singleinstancestore", default: true) }
    /// Reject 8-bit bytes in header values, default off.
    public static var reject8bit: Self { .boolean("reject8bit", default: false) }
    /// Replace 8-bit bytes in header values with `X`, default on.
    public static var munge8bit: Self { .boolean("munge8bit", default: true) }
    /// Create a missing INBOX at RCPT time, default off.
    public static var autocreatePost: Self { .boolean("autocreate_post", default: false) }
    /// Offer plaintext mechanisms without TLS, default off.
    public static var allowplaintext: Self { .boolean("allowplaintext", default: false) }
    /// Allow anonymous logins, default off.
    public static var allowanonymouslogin: Self { .boolean("allowanonymouslogin", default: false) }
    /// Unauthenticated MAIL gets 430 (on, default) instead of 530.
    public static var softNoauth: Self { .boolean("soft_noauth", default: true) }
    /// Prefer the server's cipher order, default off.
    public static var tlsPreferServerCiphers: Self { .boolean("tls_prefer_server_ciphers", default: false) }
    /// SO_KEEPALIVE on accepted TCP connections, default off.
    public static var tcpKeepalive: Self { .boolean("tcp_keepalive", default: false) }
    /// Sieve scripts in users' home directories, default off.
    public static var sieveusehomedir: Self { .boolean("sieveusehomedir", default: false) }
    /// Sieve `reject` answers with an LMTP 550, default on.
    public static var sieveUseLmtpReject: Self { .boolean("sieve_use_lmtp_reject", default: true) }
    /// Sieve `fileinto` may create any folder, default off.
    public static var anysievefolder: Self { .boolean("anysievefolder", default: false) }
    /// Ours, not Cyrus's: a `+detail` or shared folder takes mail only when its `dovecot-acl`
    /// file grants `p` to the MAIL `AUTH=` identity (or `anyone`), Cyrus's ACL rule; default
    /// off (any existing folder takes mail).
    public static var lmtpDetailNeedsPostRight: Self { .boolean("lmtp_detail_needs_post_right", default: false) }
    /// Bind errors at startup are fatal to master, default off.
    public static var masterBindErrorsFatal: Self { .boolean("master_bind_errors_fatal", default: false) }
    /// Prometheus statistics, default off.
    public static var prometheusEnabled: Self { .boolean("prometheus_enabled", default: false) }
}

// MARK: Integers and durations (durations in seconds)

extension ImapdOption where Value == Int {
    /// Largest accepted message in bytes, 0 (default) = unlimited.
    public static var maxmessagesize: Self { .int("maxmessagesize", default: 0) }
    /// Storage quota (KiB) of autocreated users; -1 (default) disables autocreation.
    public static var autocreateQuota: Self { .int("autocreate_quota", default: -1) }
    /// Message-count quota of autocreated users; -1 (default) = none.
    public static var autocreateQuotaMessages: Self { .int("autocreate_quota_messages", default: -1) }
    /// Minimum SASL security strength, default 0.
    public static var saslMinimumLayer: Self { .int("sasl_minimum_layer", default: 0) }
    /// Maximum SASL security strength, default 256.
    public static var saslMaximumLayer: Self { .int("sasl_maximum_layer", default: 256) }
    /// Keepalive probes before dropping, 0 (default) = system default.
    public static var tcpKeepaliveCnt: Self { .int("tcp_keepalive_cnt", default: 0) }
    /// Ours, not Cyrus's: seconds an LMTP session may wait for client input before
    /// `421 4.4.1 bye idle for too long`; default 360, Cyrus lmtpd's fixed value.
    public static var lmtpIdleTimeout: Self { .duration("lmtp_idle_timeout", defaultSeconds: 360, defaultUnit: 1) }
    /// Proxy LMTP transaction timeout in seconds, default 300 (a bare number means seconds).
    public static var lmtptxnTimeout: Self { .duration("lmtptxn_timeout", defaultSeconds: 300, defaultUnit: 1) }
    /// TLS session cache lifetime in seconds, default 86400 (a bare number means minutes).
    public static var tlsSessionTimeout: Self { .duration("tls_session_timeout", defaultSeconds: 86400, defaultUnit: 60) }
    /// Idle seconds before keepalive probes, 0 = system default (bare number: seconds).
    public static var tcpKeepaliveIdle: Self { .duration("tcp_keepalive_idle", defaultSeconds: 0, defaultUnit: 1) }
    /// Seconds between keepalive probes, 0 = system default (bare number: seconds).
    public static var tcpKeepaliveIntvl: Self { .duration("tcp_keepalive_intvl", defaultSeconds: 0, defaultUnit: 1) }
    /// Cap of the Sieve `duplicate` test in seconds, default 90 days (bare number: seconds).
    public static var sieveDuplicateMaxExpiration: Self {
        .duration("sieve_duplicate_max_expiration", defaultSeconds: 90 * 86400, defaultUnit: 1)
    }
    /// Ours, not Cyrus's (Cyrus runs `cyr_expire -E <days>`): duplicate-delivery records older
    /// than this are deleted, default 3 days (bare number: days); 0 keeps them forever.
    public static var duplicateMaxAge: Self { .duration("duplicate_max_age", defaultSeconds: 3 * 86400, defaultUnit: 86400) }
    /// Prometheus statistics interval in seconds, default 10 (bare number: seconds).
    public static var prometheusUpdateFreq: Self { .duration("prometheus_update_freq", defaultSeconds: 10, defaultUnit: 1) }
    /// IMAP inactivity timeout in seconds, default 32 minutes (bare number: minutes).
    public static var timeout: Self { .duration("timeout", defaultSeconds: 32 * 60, defaultUnit: 60) }
}

// MARK: Bit fields

extension ImapdOption where Value == Set<String> {
    /// Enabled Sieve extensions (canonical names), default all of Cyrus 3.6's.
    public static var sieveExtensions: Self {
        .bitfield("sieve_extensions", ImapdOptionTable.sieveExtensionNames,
                  default: ImapdOptionTable.sieveExtensionNames.map { String($0.prefix { $0 != "=" }) })
    }
}

// MARK: Headers lmtpd adds on request (ours, not Cyrus's; all default off)

extension ImapdOption where Value == Bool {
    /// Add `Message-ID: <lmtpd-<pid>-<time>-<n>@<servername>>` after the headers of a message
    /// that has none (Cyrus's lmtpd always does), default off.
    public static var lmtpAddMissingMessageId: Self { .boolean("lmtp_add_missing_message_id", default: false) }
    /// Add `Date: <now>` after the headers of a message that has none (Cyrus always does),
    /// default off.
    public static var lmtpAddMissingDate: Self { .boolean("lmtp_add_missing_date", default: false) }
    /// Add Cyrus's `X-Cyrus-Session-Id: <session id>` after `Received:`, default off.
    public static var lmtpAddSessionIdHeader: Self { .boolean("lmtp_add_session_id_header", default: false) }
    /// Add Dovecot's `Delivered-To: <recipient>` when a transaction has one recipient, default off.
    public static var lmtpAddDeliveredTo: Self { .boolean("lmtp_add_delivered_to", default: false) }
}
