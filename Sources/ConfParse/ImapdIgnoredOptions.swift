/// Cyrus options that imapd.conf may carry but neither lmtpd nor minimaster reads: their
/// values are still checked against Cyrus's types (Cyrus refuses a bad value whoever reads it),
/// and `minimaster --check` warns about the lmtpd/master options we do not implement when a
/// file sets them. An option moves to `ImapdOptions.swift` (typed) once something reads it.
enum ImapdIgnoredOptions {
    static let specs: [ImapdOptionSpec] = [
        // Read by other Cyrus programs only.
        other("mboxname_lockpath", .string, nil),
        other("proc_path", .string, nil),
        other("temp_path", .string, .string("/tmp")),
        other("lmtpsocket", .string, .string("{configdirectory}/socket/lmtp")),
        other("idlesocket", .string, .string("{configdirectory}/socket/idle")),
        other("notifysocket", .string, .string("{configdirectory}/socket/notify")),
        other("altnamespace", .boolean, .bool(true)),
        other("hashimapspool", .boolean, .bool(false)),
        other("fulldirhash", .boolean, .bool(false)),
        other("allowanonymouslogin", .boolean, .bool(false)),
        other("lmtptxn_timeout", .duration(defaultUnit: 1), .seconds(300)),
        other("mupdate_server", .string, nil),
        other("timeout", .duration(defaultUnit: 60), .seconds(32 * 60)),
        // lmtpd or master options this project does not implement.
        missing("syslog_facility", .string, nil, "lmtpd and minimaster always log to the mail facility"),
        missing("mailnotifier", .string, nil, "no notifications after delivery"),
        missing("sievenotifier", .string, nil, "no Sieve notify method"),
        missing("proxyservers", .string, nil, "no SASL proxy authorization"),
        missing("tls_server_dhparam", .string, nil, "OpenSSL's built-in groups are used"),
        missing("tls_crl_file", .string, nil, "client certificates are not checked against a CRL"),
        missing("tls_sessions_db_path", .string, nil, "TLS sessions are not shared between processes"),
        missing("tls_eccurve", .string, .string("prime256v1"), "OpenSSL's default curves are used"),
        missing("prometheus_stats_dir", .string, nil, "children count into minimaster's shared memory, not into stats files"),
        missing("prometheus_update_freq", .duration(defaultUnit: 1), .seconds(10), "metrics are summed when scraped, never stale"),
        missing("lmtp_exclude_specialuse", .string, .string("\\Snoozed"), "special-use folders take +detail mail like any other"),
        missing("userdeny_db", .stringList(["flat", "skiplist", "sql", "twoskip", "zeroskip"]), .word("flat"),
                "no user deny list"),
        missing("qosmarking", .stringList(["cs0", "cs1", "cs2", "cs3", "cs4", "cs5", "cs6", "cs7", "af11", "af12", "af13",
                                            "af21", "af22", "af23", "af31", "af32", "af33", "af41", "af42", "af43", "ef"]),
                .word("cs0"), "listeners keep the system's IP_TOS"),
        missing("chatty", .boolean, .bool(false), "use -D for debug logging"),
        missing("lmtp_preparse", .boolean, .bool(false), "messages are streamed, never parsed ahead"),
        missing("singleinstancestore", .boolean, .bool(true), "one file is always hard-linked into every mailbox"),
        missing("sasl_maximum_layer", .int, .int(256), "SASL security layers are not negotiated"),
        missing("tcp_keepalive", .boolean, .bool(false), "the system's keepalive settings apply"),
        missing("tcp_keepalive_cnt", .int, .int(0), "the system's keepalive settings apply"),
        missing("tcp_keepalive_idle", .duration(defaultUnit: 1), .seconds(0), "the system's keepalive settings apply"),
        missing("tcp_keepalive_intvl", .duration(defaultUnit: 1), .seconds(0), "the system's keepalive settings apply"),
    ]

    private static func other(_ name: String, _ type: ImapdOptionType, _ fallback: ConfigValue?) -> ImapdOptionSpec {
        ImapdOptionSpec(name: name, type: type, defaultValue: fallback, origin: .cyrus, use: .otherPrograms)
    }

    private static func missing(_ name: String, _ type: ImapdOptionType, _ fallback: ConfigValue?, _ why: String) -> ImapdOptionSpec {
        ImapdOptionSpec(name: name, type: type, defaultValue: fallback, origin: .cyrus, use: .notImplemented(why))
    }
}
