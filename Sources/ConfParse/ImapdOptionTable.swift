/// The registry the imapd.conf reader uses: typed options by name, deprecated names, and
/// which other names Cyrus knows (so that only real unknowns are reported).
enum ImapdOptionTable {
    /// Every typed option (each static member of `ImapdOption`).
    static let typedSpecs: [ImapdOptionSpec] = [
        // Text without default
        ImapdOption.configdirectory.spec, ImapdOption.defaultpartition.spec, ImapdOption.servername.spec,
        ImapdOption.syslogPrefix.spec, ImapdOption.lmtpCatchallMailbox.spec, ImapdOption.autocreateInboxFolders.spec,
        ImapdOption.tlsServerCert.spec, ImapdOption.tlsServerKey.spec, ImapdOption.tlsClientCaFile.spec,
        ImapdOption.tlsClientCaDir.spec, ImapdOption.debugCommand.spec, ImapdOption.autocreateSieveFolders.spec,
        ImapdOption.cyrusUser.spec, ImapdOption.sieveScriptPath.spec,
        ImapdOption.cyrusGroup.spec,
        // Cyrus's SQL options (duplicate_db: sql)
        ImapdOption.duplicateDb.spec, ImapdOption.sqlEngine.spec, ImapdOption.sqlHostnames.spec, ImapdOption.sqlDatabase.spec,
        ImapdOption.sqlUser.spec, ImapdOption.sqlPasswd.spec, ImapdOption.sqlUsessl.spec,
        // Text with default
        ImapdOption.umask.spec, ImapdOption.defaultdomain.spec, ImapdOption.postuser.spec, ImapdOption.postmaster.spec,
        ImapdOption.duplicateDbPath.spec, ImapdOption.autocreateUsers.spec, ImapdOption.admins.spec, ImapdOption.tlsVersions.spec,
        ImapdOption.tlsCiphers.spec, ImapdOption.sievedir.spec,
        ImapdOption.sendmail.spec, ImapdOption.maildirPath.spec, ImapdOption.prometheusListen.spec, ImapdOption.proxyBackends.spec,
        ImapdOption.proxyMapQuery.spec, ImapdOption.proxyMapChannel.spec,
        // Enumerations
        ImapdOption.serverinfo.spec, ImapdOption.virtdomains.spec, ImapdOption.tlsClientCerts.spec,
        ImapdOption.smtpBackend.spec,
        // Switches
        ImapdOption.debug.spec, ImapdOption.unixhierarchysep.spec,
        ImapdOption.lmtpDowncaseRcpt.spec, ImapdOption.lmtpStrictRfc2821.spec, ImapdOption.lmtpFuzzyMailboxMatch.spec,
        ImapdOption.lmtpStrictQuota.spec, ImapdOption.lmtpOverQuotaPermFailure.spec, ImapdOption.duplicatesuppression.spec, ImapdOption.reject8bit.spec,
        ImapdOption.munge8bit.spec, ImapdOption.autocreatePost.spec, ImapdOption.allowplaintext.spec,
        ImapdOption.softNoauth.spec, ImapdOption.tlsPreferServerCiphers.spec,
        ImapdOption.sieveusehomedir.spec, ImapdOption.sieveUseLmtpReject.spec,
        ImapdOption.anysievefolder.spec, ImapdOption.masterBindErrorsFatal.spec, ImapdOption.lmtpDetailNeedsPostRight.spec, ImapdOption.lmtpSharedMaildir.spec,
        ImapdOption.lmtpAddMissingMessageId.spec, ImapdOption.lmtpAddMissingDate.spec,
        ImapdOption.lmtpAddSessionIdHeader.spec, ImapdOption.lmtpAddDeliveredTo.spec, ImapdOption.prometheusEnabled.spec,
        // Integers and durations
        ImapdOption.maxmessagesize.spec, ImapdOption.sieveMaxscriptsize.spec, ImapdOption.sieveVacationMinResponse.spec,
        ImapdOption.sieveVacationMaxResponse.spec, ImapdOption.autocreateQuota.spec, ImapdOption.autocreateQuotaMessages.spec,
        ImapdOption.saslMinimumLayer.spec, ImapdOption.lmtpIdleTimeout.spec, ImapdOption.tlsSessionTimeout.spec, ImapdOption.sieveDuplicateMaxExpiration.spec, ImapdOption.duplicateMaxAge.spec,
        ImapdOption.proxyConnectTimeout.spec, ImapdOption.proxyTimeout.spec,
        // Bit fields
        ImapdOption.sieveExtensions.spec,
    ]

    /// Every option with a type: the typed ones, then those accepted but not read.
    static let allSpecs: [ImapdOptionSpec] = typedSpecs + ImapdIgnoredOptions.specs

    /// Options with a type, by name (values of each are checked against it).
    static let typed: [String: ImapdOptionSpec] = Dictionary(allSpecs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

    /// Options of this project that Cyrus does not have.
    static let ownOptions: Set<String> = Set(allSpecs.filter { $0.origin == .ours }.map(\.name))

    /// Deprecated Cyrus names of typed options → the option they set (Cyrus copies the value
    /// unless the new name is set too, and logs a warning).
    static let deprecated: [String: String] = [
        "autocreatequota": "autocreate_quota",
        "autocreatequotamsg": "autocreate_quota_messages",
        "autocreateinboxfolders": "autocreate_inbox_folders",
        "autosievefolders": "autocreate_sieve_folders",
        "createonpost": "autocreate_post",
        "tls_ca_file": "tls_client_ca_file",
        "tls_ca_path": "tls_client_ca_dir",
        "tlscache_db_path": "tls_sessions_db_path",
        "tls_cert_file": "tls_server_cert",
        "tls_cipher_list": "tls_ciphers",
        "tls_key_file": "tls_server_key",
    ]

    /// The spec that checks values of `name`: a typed option, or a deprecated name of one.
    static func spec(for name: String) -> ImapdOptionSpec? {
        if let spec = typed[name] { return spec }
        guard let replacement = deprecated[name], let spec = typed[replacement] else { return nil }
        return ImapdOptionSpec(name: name, type: spec.type, defaultValue: nil)
    }

    /// Sieve extensions of Cyrus 3.6 (`a=b`: `b` is another spelling of `a`).
    static let sieveExtensionNames: [String] = [
        "fileinto", "reject", "vacation", "vacation-seconds", "notify", "include", "envelope", "environment",
        "body", "relational", "regex", "subaddress", "copy", "date", "index", "imap4flags=imapflags", "mailbox",
        "mboxmetadata", "servermetadata", "variables", "editheader", "extlists", "duplicate", "ihave", "fcc",
        "special-use", "redirect-dsn", "redirect-deliverby", "mailboxid", "vnd.cyrus.log=x-cyrus-log",
        "vnd.cyrus.jmapquery=x-cyrus-jmapquery", "vnd.cyrus.imip", "snooze=vnd.cyrus.snooze=x-cyrus-snooze",
    ]

    /// Prefixes of option families whose names carry a user-chosen suffix.
    /// (`sync_` covers replication options of other Cyrus versions, e.g. `sync_compress`.)
    static let familyPrefixes = ["partition-", "metapartition-", "archivepartition-", "backuppartition-", "xlist-", "sasl_", "sync_"]

    /// Whether Cyrus (or this package) knows `name` as an option, a member of an option
    /// family, or `<ident>_<known name>` (a service-specific setting for any service, or a
    /// replication channel's `<channel>_<name without sync_>`, e.g. `repl1_shutdown_file`).
    static func isRecognized(_ name: String) -> Bool {
        if isKnown(name) { return true }
        guard let underscore = name.firstIndex(of: "_") else { return false }
        let ident = name[..<underscore]
        let rest = String(name[name.index(after: underscore)...])
        return !ident.isEmpty && ident.utf8.allSatisfy(\.isCAlnum) && (isKnown(rest) || isCyrusOption("sync_" + rest))
    }

    /// Whether `name` is a Cyrus option name (not service-prefixed).
    static func isCyrusOption(_ name: String) -> Bool {
        typed[name] != nil || deprecated[name] != nil || CyrusOptionNames.all.contains(name)
    }

    private static func isKnown(_ name: String) -> Bool {
        if isCyrusOption(name) { return true }
        for prefix in familyPrefixes where name.hasPrefix(prefix) && name.count > prefix.count { return true }
        // `searchpartition-<name>`, optionally preceded by a search tier name.
        let needle = Array("searchpartition-".utf8), bytes = Array(name.utf8)
        guard bytes.count > needle.count else { return false }
        for i in 0..<(bytes.count - needle.count) where bytes[i..<(i + needle.count)].elementsEqual(needle) {
            return bytes[..<i].allSatisfy(\.isCAlnum)
        }
        return false
    }
}
