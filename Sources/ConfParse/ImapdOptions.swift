// The typed imapd.conf options lmtpd and minimaster read: each declared once here, with its
// name, type, default and origin (Cyrus 3.6.1's options, docs/cyrus-compatibility.md §4.5;
// ours are marked `.ours`). Every member is also listed in `ImapdOptionTable.typedSpecs`.
// Options we accept but do not read are in `ImapdIgnoredOptions`. Options with no default in
// Cyrus are `String?` (nil when unset).

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
    /// Ours: the Maildir (a user name) whose folders are Cyrus's shared folders, for
    /// `<postuser>+folder` recipients (default: the Maildir named by `postuser`).
    public static var lmtpSharedMaildir: Self { .optionalString("lmtp_shared_maildir").ours }
    /// User whose INBOX receives mail for unknown recipients.
    public static var lmtpCatchallMailbox: Self { .optionalString("lmtp_catchall_mailbox") }
    /// Subfolders (separated by `|`) created with an autocreated INBOX.
    public static var autocreateInboxFolders: Self { .optionalString("autocreate_inbox_folders") }
    /// Server certificate file; STARTTLS needs it and `tlsServerKey` (neither `disabled`).
    public static var tlsServerCert: Self { .optionalString("tls_server_cert") }
    /// Server private key file.
    public static var tlsServerKey: Self { .optionalString("tls_server_key") }
    /// CA certificates file for client certificates.
    public static var tlsClientCaFile: Self { .optionalString("tls_client_ca_file") }
    /// CA certificates directory for client certificates.
    public static var tlsClientCaDir: Self { .optionalString("tls_client_ca_dir") }
    /// Command run by a service's `-D` option.
    public static var debugCommand: Self { .optionalString("debug_command") }
    /// Folders Sieve `fileinto` may create.
    public static var autocreateSieveFolders: Self { .optionalString("autocreate_sieve_folders") }
    /// Ours, not Cyrus's: where a user's active Sieve script is, a template like `maildir_path`
    /// (`%u`, `%n`, `%d`, `%%`; relative to the partition unless absolute), e.g.
    /// `/home/%n/.dovecot.sieve` for Dovecot's layout. Unset: Cyrus's `sievedir` layout (or
    /// `sieveusehomedir`).
    public static var sieveScriptPath: Self { .optionalString("sieve_script_path").ours }
    /// User to run as (the `CYRUS_USER` environment variable wins).
    public static var cyrusUser: Self { .optionalString("cyrus_user") }
    /// Group to run as.
    public static var cyrusGroup: Self { .optionalString("cyrus_group") }
    /// Database of `sql` databases (`duplicate_db: sql`); unset: libpq's default (the user name).
    public static var sqlDatabase: Self { .optionalString("sql_database") }
    /// User name for the SQL server; unset: libpq's default (the process's login name).
    public static var sqlUser: Self { .optionalString("sql_user") }
    /// Password for the SQL server.
    public static var sqlPasswd: Self { .optionalString("sql_passwd") }
}

// MARK: Text options with a default

extension ImapdOption where Value == String {
    /// Process umask in octal digits, default `077`.
    public static var umask: Self { .string("umask", default: "077") }
    /// Domain treated as local when `virtdomains` is on, default `internal`.
    public static var defaultdomain: Self { .string("defaultdomain", default: "internal") }
    /// Local part meaning "shared mailbox" (`<postuser>+folder@…`), default empty.
    public static var postuser: Self { .string("postuser", default: "") }
    /// Address named in permission-denied replies and Sieve rejections, default `postmaster`.
    public static var postmaster: Self { .string("postmaster", default: "postmaster") }
    /// Duplicate-delivery database; default `{configdirectory}/deliver.db` (Cyrus's effective value).
    public static var duplicateDbPath: Self { .string("duplicate_db_path", default: "{configdirectory}/deliver.db") }
    /// Who may be autocreated, default `anyone`.
    public static var autocreateUsers: Self { .string("autocreate_users", default: "anyone") }
    /// Blank-separated administrators, default empty.
    public static var admins: Self { .string("admins", default: "") }
    /// TLS versions to keep enabled, default `tls1_0 tls1_1 tls1_2 tls1_3`.
    public static var tlsVersions: Self { .string("tls_versions", default: "tls1_0 tls1_1 tls1_2 tls1_3") }
    /// OpenSSL cipher list, default `DEFAULT`.
    public static var tlsCiphers: Self { .string("tls_ciphers", default: "DEFAULT") }
    /// Per-user Sieve script directories, default `/usr/sieve`.
    public static var sievedir: Self { .string("sievedir", default: "/usr/sieve") }
    /// Program used to send mail, default `/usr/lib/sendmail`.
    public static var sendmail: Self { .string("sendmail", default: "/usr/lib/sendmail") }
    /// Ours, not Cyrus's: where a user's Maildir lives, a template with `%u` (user, with
    /// `@domain` when a domain is kept), `%n` (local part), `%d` (domain), `%%`; relative to
    /// the partition unless absolute. lmtpd checks it (Mailstore's PathTemplate) at start.
    public static var maildirPath: Self { .string("maildir_path", default: "%u").ours }
    /// Ours, not Cyrus's: where minimaster serves `GET /metrics` when `prometheus_enabled` is
    /// on: `host:port` (`[::1]:port` for IPv6) or the absolute path of a unix socket.
    public static var prometheusListen: Self { .string("prometheus_listen", default: "127.0.0.1:9145").ours }
    /// SQL servers, comma-separated `host[:port]` tried in order (a path: a unix socket
    /// directory), default empty (libpq's default: its local socket).
    public static var sqlHostnames: Self { .string("sql_hostnames", default: "") }
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

extension ImapdOption where Value == CyrusDBBackend {
    /// Backend of the duplicate database, default `.twoskip` (SQLite here); `.sql`: PostgreSQL.
    public static var duplicateDb: Self { .stringListEnum("duplicate_db", default: .twoskip) }
}

extension ImapdOption where Value == SQLEngine? {
    /// SQL server kind, no default (Cyrus then takes the first it was built with; here pgsql).
    public static var sqlEngine: Self { .optionalStringListEnum("sql_engine") }
}

extension ImapdOption where Value == SMTPBackend {
    /// How outgoing mail is sent, default `.sendmail`.
    public static var smtpBackend: Self { .stringListEnum("smtp_backend", default: .sendmail) }
}

// MARK: Switches

extension ImapdOption where Value == Bool {
    /// Debug logging, default off.
    public static var debug: Self { .boolean("debug", default: false) }
    /// `/` as hierarchy separator (on, the default) or `.` (off); also splits `+detail`.
    public static var unixhierarchysep: Self { .boolean("unixhierarchysep", default: true) }
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
    /// Suppress duplicate deliveries (Message-ID + Date), default on.
    public static var duplicatesuppression: Self { .boolean("duplicatesuppression", default: true) }
    /// Reject 8-bit bytes in header values, default off.
    public static var reject8bit: Self { .boolean("reject8bit", default: false) }
    /// Replace 8-bit bytes in header values with `X`, default on.
    public static var munge8bit: Self { .boolean("munge8bit", default: true) }
    /// Create a missing INBOX at RCPT time, default off.
    public static var autocreatePost: Self { .boolean("autocreate_post", default: false) }
    /// Offer plaintext mechanisms without TLS, default off.
    public static var allowplaintext: Self { .boolean("allowplaintext", default: false) }
    /// Unauthenticated MAIL gets 430 (on, default) instead of 530.
    public static var softNoauth: Self { .boolean("soft_noauth", default: true) }
    /// Prefer the server's cipher order, default off.
    public static var tlsPreferServerCiphers: Self { .boolean("tls_prefer_server_ciphers", default: false) }
    /// Sieve scripts in users' home directories, default off.
    public static var sieveusehomedir: Self { .boolean("sieveusehomedir", default: false) }
    /// Sieve `reject` answers with an LMTP 550, default on.
    public static var sieveUseLmtpReject: Self { .boolean("sieve_use_lmtp_reject", default: true) }
    /// Sieve `fileinto` may create any folder, default off.
    public static var anysievefolder: Self { .boolean("anysievefolder", default: false) }
    /// Ours, not Cyrus's: a `+detail` or shared folder takes mail only when its `dovecot-acl`
    /// file grants `p` to the MAIL `AUTH=` identity (or `anyone`), Cyrus's ACL rule; default
    /// off (any existing folder takes mail).
    public static var lmtpDetailNeedsPostRight: Self { .boolean("lmtp_detail_needs_post_right", default: false).ours }
    /// Bind errors at startup are fatal to master, default off.
    public static var masterBindErrorsFatal: Self { .boolean("master_bind_errors_fatal", default: false) }
    /// Require TLS towards the SQL server, default off (TLS when the server offers it).
    public static var sqlUsessl: Self { .boolean("sql_usessl", default: false) }
    /// Serve Prometheus metrics (minimaster: at `prometheus_listen`), default off.
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
    /// Ours, not Cyrus's: seconds an LMTP session may wait for client input before
    /// `421 4.4.1 bye idle for too long`; default 360, Cyrus lmtpd's fixed value.
    public static var lmtpIdleTimeout: Self { .duration("lmtp_idle_timeout", defaultSeconds: 360, defaultUnit: 1).ours }
    /// TLS session cache lifetime in seconds, default 86400 (a bare number means minutes).
    public static var tlsSessionTimeout: Self { .duration("tls_session_timeout", defaultSeconds: 86400, defaultUnit: 60) }
    /// Cap of the Sieve `duplicate` test in seconds, default 90 days (bare number: seconds).
    /// Largest Sieve script (KiB) read, default 32.
    public static var sieveMaxscriptsize: Self { .int("sieve_maxscriptsize", default: 32) }
    /// Shortest vacation response interval in seconds, default 3 days (bare number: seconds).
    public static var sieveVacationMinResponse: Self {
        .duration("sieve_vacation_min_response", defaultSeconds: 3 * 86400, defaultUnit: 1)
    }
    /// Longest vacation response interval in seconds, default 90 days (bare number: seconds).
    public static var sieveVacationMaxResponse: Self {
        .duration("sieve_vacation_max_response", defaultSeconds: 90 * 86400, defaultUnit: 1)
    }
    public static var sieveDuplicateMaxExpiration: Self {
        .duration("sieve_duplicate_max_expiration", defaultSeconds: 90 * 86400, defaultUnit: 1)
    }
    /// Ours, not Cyrus's (Cyrus runs `cyr_expire -E <days>`): duplicate-delivery records older
    /// than this are deleted, default 3 days (bare number: days); 0 keeps them forever.
    public static var duplicateMaxAge: Self { .duration("duplicate_max_age", defaultSeconds: 3 * 86400, defaultUnit: 86400).ours }
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
    public static var lmtpAddMissingMessageId: Self { .boolean("lmtp_add_missing_message_id", default: false).ours }
    /// Add `Date: <now>` after the headers of a message that has none (Cyrus always does),
    /// default off.
    public static var lmtpAddMissingDate: Self { .boolean("lmtp_add_missing_date", default: false).ours }
    /// Add Cyrus's `X-Cyrus-Session-Id: <session id>` after `Received:`, default off.
    public static var lmtpAddSessionIdHeader: Self { .boolean("lmtp_add_session_id_header", default: false).ours }
    /// Add Dovecot's `Delivered-To: <recipient>` when a transaction has one recipient, default off.
    public static var lmtpAddDeliveredTo: Self { .boolean("lmtp_add_delivered_to", default: false).ours }
}
