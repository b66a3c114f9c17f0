import Testing
@testable import ConfParse

@Suite("imapd.conf: line grammar")
struct ImapdConfigSyntaxTests {
    @Test("keys are folded to lower case; values are trimmed; there are no trailing comments")
    func basics() throws {
        let config = try imapdResult("  Admins:   alice bob  \n#comment\n   # indented comment\n\nServerName:\tmail.example.org\r\nfoo: a # b\n").get()
        #expect(config.entries.map(\.key) == ["admins", "servername", "foo"])
        #expect(config[.admins] == "alice bob")
        #expect(config[.servername] == "mail.example.org")
        #expect(config.overflow("foo") == "a # b")
        #expect(config.entries.map(\.location.line) == [1, 5, 6])
    }

    @Test("invalid lines are errors with the line and Cyrus's reason", arguments: [
        ("key = value", "invalid option name \"key\" (write \"name: value\", not \"name = value\")"),
        ("key : value", "invalid option name \"key\" (no blank is allowed before the colon)"),
        ("key.x: value", "invalid option name \"key.x\""),
        (": value", "invalid option name (the line starts with ':')"),
        ("justaword", "invalid option name \"justaword\""),
        ("admins:", "empty option value for admins"),
        ("admins:   \t", "empty option value for admins"),
        ("@foo: bar", "invalid directive @foo (only @include exists)"),
    ])
    func invalidLines(_ line: String, _ message: String) {
        let errors = imapdErrors("servername: x\n" + line + "\n")
        #expect(errors.map(\.line) == [2])
        #expect(errors.first?.message.hasPrefix(message) == true, "\(errors)")
        #expect(errors.first?.description.hasPrefix("imapd.conf:2: ") == true)
    }

    @Test("a trailing backslash joins the next line; the joined line counts as its last line")
    func continuation() throws {
        let config = try imapdResult("admins: alice \\\nbob\nservername: a\\\n\\\nb\n").get()
        #expect(config[.admins] == "alice bob")
        #expect(config[.servername] == "ab")
        #expect(config.entries.map(\.location.line) == [2, 5])
        let errors = imapdErrors("maxmessagesize: 1\\\n0x\n")
        #expect(errors.map(\.line) == [2])
        let atEnd = try imapdResult("admins: alice\\").get()
        #expect(atEnd[.admins] == "alice")
    }

    @Test("a comment ending in a backslash swallows the next line (warned); CRLF breaks continuation (warned)")
    func continuationPitfalls() throws {
        let comment = try imapdResult("# note \\\nadmins: hidden\nservername: x\n").get()
        #expect(comment[.admins] == "")
        #expect(comment.warnings.map(\.line) == [1])
        let crlf = try imapdResult("admins: alice \\\r\nservername: x\r\n").get()
        #expect(crlf[.admins] == "alice \\")
        #expect(crlf[.servername] == "x")
        #expect(crlf.warnings.map(\.line) == [1])
    }

    @Test("NUL bytes and invalid UTF-8 in values are errors; invalid UTF-8 in comments is fine")
    func badBytes() throws {
        let bytes: [UInt8] = Array("# caf".utf8) + [0xE9] + Array("\nadmins: caf".utf8) + [0xE9] + Array("\nservername: a\0b\n".utf8)
        do {
            _ = try ImapdConfig.parse(bytes, path: "imapd.conf", service: "lmtp")
            Issue.record("accepted")
        } catch {
            #expect(error.diagnostics.map(\.line) == [2, 3])
            #expect(error.diagnostics.map(\.message) == ["the value of admins is not valid UTF-8", "line contains a NUL byte"])
        }
    }

    @Test("an empty file is a valid configuration with every default")
    func empty() throws {
        let config = try imapdResult("").get()
        #expect(config.entries.isEmpty)
        #expect(config[.configdirectory] == nil)
        #expect(config.checkedValue("lmtpsocket") == .string("{configdirectory}/socket/lmtp"))
        #expect(throws: ConfigError.self) { try config.validate(needsPartition: false) }
    }

    @Test("every error of a file is reported")
    func allErrors() {
        let errors = imapdErrors("a b\nmaxmessagesize: big\nadmins: x\nadmins: y\ndebug: maybe\n")
        #expect(errors.map(\.line) == [1, 2, 4, 5])
    }
}

@Suite("imapd.conf: options and overrides")
struct ImapdConfigOptionTests {
    @Test("service-specific values win in either order; other services' stay overflow")
    func overrides() throws {
        for text in ["admins: alice\nlmtp_admins: postman\n", "lmtp_admins: postman\nadmins: alice\n"] {
            #expect(try imapdResult(text, service: "lmtp").get()[.admins] == "postman")
            let other = try imapdResult(text, service: "lmtpunix").get()
            #expect(other[.admins] == "alice")
            #expect(other.overflow("lmtp_admins") == "postman")
        }
        let typed = try imapdResult("maxmessagesize: 100\nLMTP_maxmessagesize: 0x10\n", service: "LMTP").get()
        #expect(typed[.maxmessagesize] == 16)
        #expect(typed.service == "lmtp")
    }

    @Test("overflow lookups try <service>_<key> first")
    func overflowLookup() throws {
        let text = "partition-default: /a\nlmtp_partition-default: /b\nsasl_mech_list: PLAIN\nlmtpunix_sasl_mech_list: LOGIN\n"
        let lmtp = try imapdResult(text, service: "lmtp").get()
        #expect(lmtp.partitionPath() == "/b")
        #expect(lmtp.overflow("sasl_mech_list") == "PLAIN")
        #expect(lmtp.overflowLocation("partition-default")?.line == 2)
        let unix = try imapdResult(text, service: "lmtpunix").get()
        #expect(unix.partitionPath() == "/a")
        #expect(unix.overflow("SASL_MECH_LIST") == "LOGIN")
        #expect(unix.overflow("nothing") == nil)
        #expect(unix.unknownOptions.isEmpty)
    }

    @Test("every switch spelling Cyrus takes", arguments: [
        ("1", true), ("y", true), ("yes", true), ("t", true), ("true", true), ("on", true), ("onion", true), ("tuesday", true),
        ("0", false), ("n", false), ("no", false), ("f", false), ("false", false), ("off", false), ("nonsense", false), ("offer", false),
    ])
    func switches(_ text: String, _ value: Bool) throws {
        #expect(try imapdResult("lmtp_downcase_rcpt: \(text)\n").get()[.lmtpDowncaseRcpt] == value)
    }

    @Test("non-switch values are errors (switches are case-sensitive)", arguments: ["Yes", "TRUE", "2", "o", "-1", "maybe"])
    func notSwitches(_ text: String) {
        let errors = imapdErrors("munge8bit: \(text)\n")
        #expect(errors.first?.message.hasPrefix("non-switch value for munge8bit") == true)
    }

    @Test("integers follow strtol base 0", arguments: [
        ("10", 10), ("010", 8), ("0x10", 16), ("0X1f", 31), ("-0x10", -16), ("+5", 5), ("0", 0), ("-7", -7),
        ("9223372036854775807", Int.max),
    ])
    func integers(_ text: String, _ value: Int) throws {
        #expect(try imapdResult("maxmessagesize: \(text)\n").get()[.maxmessagesize] == value)
    }

    @Test("non-integers are errors with Cyrus's message", arguments: ["10M", "08", "0x", "1.5", "ten", "-", "9223372036854775808"])
    func nonIntegers(_ text: String) {
        let errors = imapdErrors("configdirectory: /c\nmaxmessagesize: \(text)\n")
        #expect(errors.map(\.line) == [2])
        #expect(errors.first?.message.hasPrefix("non-integer value for maxmessagesize") == true)
    }

    @Test("durations in seconds, a bare number in the option's unit", arguments: [
        ("tls_session_timeout: 1440", 86400), ("tls_session_timeout: 1h30m", 5400), ("tls_session_timeout: 1h30", 5400),
        ("tls_session_timeout: 0", 0), ("lmtptxn_timeout: 90", 90), ("lmtptxn_timeout: 2m", 120), ("lmtptxn_timeout: -1h", -3600),
        ("sieve_duplicate_max_expiration: 1d2h3m4s", 93784), ("timeout: 30", 1800),
    ])
    func durations(_ line: String, _ seconds: Int) throws {
        let config = try imapdResult(line + "\n").get()
        let name = String(line.prefix { $0 != ":" })
        #expect(config.checkedValue(name) == .seconds(seconds))
    }

    @Test("unparsable durations are errors", arguments: ["1x", "h", "1h 30m", "--1", "1.5h", ""])
    func badDurations(_ text: String) {
        let errors = imapdErrors("tcp_keepalive_idle: \(text)\n")
        #expect(errors.count == 1)
        #expect(errors.first.map { $0.message.hasPrefix("unparsable duration") || $0.message.hasPrefix("empty option value") } == true)
    }

    @Test("enumerations: on/off synonyms, case-sensitive names")
    func enumerations() throws {
        #expect(try imapdResult("virtdomains: yes\n").get()[.virtdomains] == .on)
        #expect(try imapdResult("virtdomains: 0\n").get()[.virtdomains] == .off)
        #expect(try imapdResult("virtdomains: userid\n").get()[.virtdomains] == .userid)
        #expect(try imapdResult("serverinfo: min\n").get()[.serverinfo] == .min)
        #expect(try imapdResult("").get()[.serverinfo] == .on)
        #expect(imapdErrors("virtdomains: Userid\n").first?.message.hasPrefix("invalid value 'Userid' for virtdomains") == true)
        #expect(imapdErrors("tls_client_certs: yes\n").first?.message.hasPrefix("invalid value 'yes' for tls_client_certs") == true)
        #expect(try imapdResult("smtp_backend: host\n").get()[.smtpBackend] == .host)
        #expect(!imapdErrors("smtp_backend: on\n").isEmpty)
        #expect(try imapdResult("duplicate_db: skiplist\n").get().checkedValue("duplicate_db") == .word("skiplist"))
        #expect(!imapdErrors("duplicate_db: berkeley\n").isEmpty)
    }

    @Test("bit fields accept Cyrus's alternative spellings")
    func bitfields() throws {
        let config = try imapdResult("sieve_extensions: fileinto imapflags  x-cyrus-snooze fileinto\n").get()
        #expect(config[.sieveExtensions] == ["fileinto", "imap4flags", "snooze"])
        #expect(try imapdResult("").get()[.sieveExtensions].count == 33)
        #expect(imapdErrors("sieve_extensions: fileinto bogus\n").first?.message == "invalid value 'bogus' for sieve_extensions")
    }

    @Test("an option given twice is an error; generic plus service-specific is not")
    func duplicates() throws {
        let generic = imapdErrors("admins: a\nservername: x\nAdmins: b\n")
        #expect(generic.map(\.line) == [3])
        #expect(generic.first?.message == "option 'admins' was specified twice (first on line 1)")
        #expect(imapdErrors("lmtp_admins: a\nlmtp_admins: b\n").map(\.line) == [2])
        #expect(imapdErrors("partition-default: /a\npartition-default: /b\n").map(\.line) == [2])
        #expect(imapdErrors("popminpoll: 1\npopminpoll: 1\n").map(\.line) == [2])
        #expect(imapdErrors("admins: a\nlmtp_admins: b\n").isEmpty)
        #expect(imapdErrors("lmtpunix_admins: a\nlmtpunix_admins: b\n", service: "lmtp").map(\.line) == [2])
    }

    @Test("{configdirectory} is substituted in known string options and defaults, not in other overflow entries")
    func configdirectorySubstitution() throws {
        let text = """
            duplicate_db_path: {CONFIGDIRECTORY}/dup.db
            ptscache_db_path: {configdirectory}/pts.db
            lmtp_statuscache_db_path: {configdirectory}/status.db
            partition-default: {configdirectory}/spool
            sievedir: /x/{configdirectory}
            configdirectory: /var/lib/cyrus
            """
        let config = try imapdResult(text, service: "lmtp").get()
        #expect(config[.duplicateDbPath] == "/var/lib/cyrus/dup.db")
        #expect(config.overflow("ptscache_db_path") == "/var/lib/cyrus/pts.db")
        #expect(config.overflow("statuscache_db_path") == "/var/lib/cyrus/status.db")
        #expect(config.partitionPath() == "{configdirectory}/spool")
        #expect(config[.sievedir] == "/x/{configdirectory}")
        #expect(config.checkedValue("lmtpsocket") == .string("/var/lib/cyrus/socket/lmtp"))
        #expect(config.entries.first?.value == "{CONFIGDIRECTORY}/dup.db")
    }

    @Test("unknown options are kept and listed with their line; families and service prefixes are known")
    func unknownOptions() throws {
        let text = """
            maxmesagesize: 10
            partition-archive: /a
            metapartition-default: /m
            archivepartition-default: /ar
            tier1searchpartition-default: /s
            sasl_saslauthd_path: /run/sasl
            imap_sasl_mech_list: PLAIN
            repl1_sync_host: replica
            xlist-drafts: Drafts
            lmtp_frobnicate: 1
            httpmodules: caldav
            """
        let config = try imapdResult(text).get()
        #expect(config.unknownOptions.map(\.key) == ["maxmesagesize", "lmtp_frobnicate"])
        #expect(config.unknownOptions.map(\.location.line) == [1, 10])
        #expect(config.overflow("maxmesagesize") == "10")
        #expect(config.overflow("frobnicate") == "1")
    }

    @Test("deprecated names set their replacement unless it is set too")
    func deprecatedNames() throws {
        let old = try imapdResult("createonpost: yes\nautocreatequota: 0x400\ntls_cert_file: /c.pem\n").get()
        #expect(old[.autocreatePost] == true)
        #expect(old[.autocreateQuota] == 1024)
        #expect(old[.tlsServerCert] == "/c.pem")
        #expect(old.warnings.count == 3)
        #expect(old.warnings.first?.message == "option 'createonpost' is deprecated; use 'autocreate_post'")
        let both = try imapdResult("autocreate_post: no\ncreateonpost: yes\n").get()
        #expect(both[.autocreatePost] == false)
        #expect(imapdErrors("createonpost: perhaps\n").first?.message.hasPrefix("non-switch value for createonpost") == true)
    }

    @Test("defaults of the typed options are Cyrus 3.6.1's")
    func defaults() throws {
        let c = try imapdResult("configdirectory: /c\n").get()
        #expect(c[.maxmessagesize] == 0 && c[.autocreateQuota] == -1 && c[.autocreateQuotaMessages] == -1)
        #expect(c[.saslMinimumLayer] == 0)
        #expect(c[.lmtpDowncaseRcpt] && c[.lmtpStrictRfc2821] && c[.unixhierarchysep])
        #expect(c[.duplicatesuppression] && c[.munge8bit] && c[.softNoauth] && c[.sieveUseLmtpReject])
        #expect(!c[.lmtpFuzzyMailboxMatch] && !c[.lmtpStrictQuota] && !c[.lmtpOverQuotaPermFailure] && !c[.reject8bit])
        #expect(!c[.autocreatePost] && !c[.allowplaintext] && !c[.debug])
        #expect(!c[.sieveusehomedir] && !c[.masterBindErrorsFatal] && !c[.tlsPreferServerCiphers])
        #expect(c[.umask] == "077" && c[.defaultdomain] == "internal" && c[.postmaster] == "postmaster" && c[.postuser] == "")
        #expect(c[.sievedir] == "/usr/sieve" && c[.tlsCiphers] == "DEFAULT" && c[.tlsVersions] == "tls1_0 tls1_1 tls1_2 tls1_3")
        #expect(c[.duplicateDbPath] == "/c/deliver.db" && c[.admins] == "")
        #expect(c[.servername] == nil && c[.lmtpCatchallMailbox] == nil && c[.tlsServerCert] == nil && c[.syslogPrefix] == nil)
        #expect(c[.virtdomains] == .off && c[.serverinfo] == .on && c[.tlsClientCerts] == .optional && c[.smtpBackend] == .sendmail)
        #expect(c[.tlsSessionTimeout] == 86400)
        #expect(c[.maildirPath] == "%u")
        #expect(c.location(of: .maxmessagesize) == nil && c.location(of: .configdirectory)?.line == 1)
    }

    @Test("options accepted but not read keep Cyrus 3.6.1's types and defaults")
    func ignoredDefaults() throws {
        let c = try imapdResult("configdirectory: /c\n").get()
        #expect(c.checkedValue("sasl_maximum_layer") == .int(256) && c.checkedValue("tcp_keepalive_cnt") == .int(0))
        #expect(c.checkedValue("altnamespace") == .bool(true) && c.checkedValue("singleinstancestore") == .bool(true))
        #expect(c.checkedValue("chatty") == .bool(false) && c.checkedValue("tcp_keepalive") == .bool(false))
        #expect(c.checkedValue("lmtp_preparse") == .bool(false) && c.checkedValue("hashimapspool") == .bool(false))
        #expect(c.checkedValue("idlesocket") == .string("/c/socket/idle"))
        #expect(c.checkedValue("lmtptxn_timeout") == .seconds(300) && c.checkedValue("timeout") == .seconds(1920))
        #expect(c.checkedValue("lmtp_exclude_specialuse") == .string("\\Snoozed"))
        // A bad value is refused as Cyrus refuses it, whoever reads the option.
        #expect(imapdErrors("hashimapspool: perhaps\n").first?.message.hasPrefix("non-switch value for hashimapspool") == true)
        #expect(c.notImplementedOptions.isEmpty)
    }

    @Test("an lmtpd option we do not implement, when set, is a warning that says so; other programs' options are not")
    func notImplementedWarning() throws {
        let c = try imapdResult("tcp_keepalive: yes\nhashimapspool: true\nqosmarking: af11\n").get()
        #expect(c.notImplementedOptions.map(\.line) == [1, 3])
        #expect(c.notImplementedOptions.first?.description
                == "imapd.conf:1: warning: option 'tcp_keepalive' is accepted but not implemented: the system's keepalive settings apply")
        #expect(ConfigReport.imapdWarnings(c).count == 2)
    }

    @Test("every typed option is registered once with the reader")
    func registry() {
        let names = ImapdOptionTable.allSpecs.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { CyrusOptionNames.all.contains($0) || ImapdOptionTable.ownOptions.contains($0) })
        #expect(ImapdOptionTable.typed[ImapdOption.maildirPath.name] != nil)
        #expect(ImapdOptionTable.ownOptions == ["maildir_path", "lmtp_idle_timeout", "lmtp_detail_needs_post_right", "duplicate_max_age",
                                                "lmtp_shared_maildir", "lmtp_add_missing_message_id", "lmtp_add_missing_date",
                                                "lmtp_add_session_id_header", "lmtp_add_delivered_to", "sieve_script_path", "prometheus_listen",
                                                "proxy_backends", "proxy_map_query", "proxy_map_channel", "proxy_connect_timeout", "proxy_timeout"])
        #expect(ImapdOptionTable.deprecated.values.allSatisfy { ImapdOptionTable.typed[$0] != nil })
    }
}
