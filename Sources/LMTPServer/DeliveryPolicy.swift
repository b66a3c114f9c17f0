import ConfParse
import DuplicateStore
import Mailstore

/// How lmtpd treats a recipient once its Maildir is named: `+detail` folders, shared folders,
/// the catch-all, autocreation, quota and duplicate suppression (imapd.conf, Cyrus's names).
public struct DeliveryPolicy: Sendable {
    /// `unixhierarchysep`: `/` (on, Cyrus's default) or `.` splits a `+detail` into levels.
    public var separator: HierarchySeparator = .slash
    /// `lmtp_fuzzy_mailbox_match`: a near-miss `+detail` finds an existing folder.
    public var fuzzyFolderMatch = false
    /// Ours, `lmtp_detail_needs_post_right`: a `+detail` (or shared) folder takes mail only
    /// when its `dovecot-acl` grants `p` to the MAIL `AUTH=` identity (or `anyone`).
    public var folderPostNeedsRight = false
    /// `postuser`: the local part that means "a shared folder" (Cyrus's default: empty, so
    /// `+folder@host`).
    public var postUser = ""
    /// The Maildir holding the shared folders: ours `lmtp_shared_maildir`, else the Maildir
    /// named by a non-empty `postuser`; nil: there are no shared folders.
    public var sharedMaildir: String?
    /// `lmtp_catchall_mailbox`: the user (`user` or `user@domain`) whose INBOX takes mail for
    /// unknown recipients.
    public var catchallMailbox: String?
    /// `autocreate_post` with `autocreate_quota` ≥ 0; nil when autocreation is off.
    public var autocreate: AutocreateRules?
    /// `lmtp_strict_quota`: count the message itself against the quota.
    public var strictQuota = false
    /// `lmtp_over_quota_perm_failure`: over quota is `552 5.2.2` instead of `452 4.2.2`.
    public var overQuotaIsPermanent = false
    /// `duplicatesuppression` with the database at `duplicate_db_path` (or in PostgreSQL with
    /// `duplicate_db: sql`); nil when off.
    public var duplicates: DuplicateFilter?
    /// Sieve's tracking records (vacation intervals, `duplicate`, redirects), in the database at
    /// `duplicate_db_path` whether or not suppression is on (the same store when it is).
    public var tracking: DuplicateFilter?

    public init() {}

    /// The policy imapd.conf sets. Throws for a folder name in `autocreate_inbox_folders`
    /// that cannot be stored.
    public init(_ imapd: ImapdConfig) throws(ConfigError) {
        separator = imapd[.unixhierarchysep] ? .slash : .dot
        fuzzyFolderMatch = imapd[.lmtpFuzzyMailboxMatch]
        folderPostNeedsRight = imapd[.lmtpDetailNeedsPostRight]
        postUser = imapd[.postuser]
        sharedMaildir = imapd[.lmtpSharedMaildir].flatMap { $0.isEmpty ? nil : $0 } ?? (postUser.isEmpty ? nil : postUser)
        catchallMailbox = imapd[.lmtpCatchallMailbox].flatMap { $0.isEmpty ? nil : $0 }
        strictQuota = imapd[.lmtpStrictQuota]
        overQuotaIsPermanent = imapd[.lmtpOverQuotaPermFailure]
        if imapd[.autocreatePost] && imapd[.autocreateQuota] >= 0 {
            autocreate = try AutocreateRules(imapd, separator: separator)
        }
        let database = DuplicateFilter(location: try Self.duplicateLocation(imapd), maximumAge: imapd[.duplicateMaxAge])
        if imapd[.duplicatesuppression] { duplicates = database }
        tracking = database
    }
}

extension DeliveryPolicy {
    /// `duplicate_db: sql`: PostgreSQL through the `sql_*` options (`sql_engine` must be
    /// `pgsql` or unset); any other value: the SQLite file at `duplicate_db_path`.
    static func duplicateLocation(_ imapd: ImapdConfig) throws(ConfigError) -> DuplicateDatabaseLocation {
        guard imapd[.duplicateDb] == .sql else { return .sqlite(path: imapd[.duplicateDbPath]) }
        if let engine = imapd[.sqlEngine], engine != .pgsql {
            let place = imapd.location(of: .sqlEngine)
            throw ConfigError(file: place?.file ?? imapd.path, line: place?.line,
                              message: "sql_engine: \(engine.rawValue) is not supported for duplicate_db: sql (only pgsql)")
        }
        return .postgres(sqlHostnames: imapd[.sqlHostnames], database: imapd[.sqlDatabase], user: imapd[.sqlUser],
                         password: imapd[.sqlPasswd], useSSL: imapd[.sqlUsessl])
    }
}

/// Cyrus's autocreation of a user's mailbox at RCPT time.
public struct AutocreateRules: Sendable {
    /// The quota written into the new Maildir's `maildirsize`; nil: no quota file.
    public var quota: QuotaLimits?
    /// Folders created with the INBOX (`autocreate_inbox_folders`).
    public var folders: [FolderName]
    /// `autocreate_users`: who may be created; nil means `anyone`.
    public var users: Set<String>?
    /// `admins`: never created.
    public var admins: Set<String>

    public init(quota: QuotaLimits?, folders: [FolderName] = [], users: Set<String>? = nil, admins: Set<String> = []) {
        self.quota = quota
        self.folders = folders
        self.users = users
        self.admins = admins
    }

    /// From imapd.conf: `autocreate_quota` (KiB) and `autocreate_quota_messages` become the
    /// `S` and `C` limits (0 or less: none); `autocreate_inbox_folders` is split at `|`.
    init(_ imapd: ImapdConfig, separator: HierarchySeparator) throws(ConfigError) {
        let limits = QuotaLimits(bytes: max(0, imapd[.autocreateQuota]) * 1024, messages: max(0, imapd[.autocreateQuotaMessages]))
        quota = limits.isUnlimited ? nil : limits
        folders = []
        for name in (imapd[.autocreateInboxFolders] ?? "").split(separator: "|") {
            let trimmed = name.trimmingCharacters(in: " \t")
            guard !trimmed.isEmpty else { continue }
            do {
                if let folder = try FolderName.parse(trimmed, separator: separator) { folders.append(folder) }
            } catch {
                let place = imapd.location(of: .autocreateInboxFolders)
                throw ConfigError(file: place?.file ?? imapd.path, line: place?.line,
                                  message: "autocreate_inbox_folders: folder \"\(trimmed)\" cannot be stored (\(error))")
            }
        }
        let allowed = Set(imapd[.autocreateUsers].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
        users = allowed.contains("anyone") ? nil : allowed
        admins = Set(imapd[.admins].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
    }

    /// Whether `mailbox` may be autocreated: not an admin, and `anyone` or listed.
    public func allows(_ mailbox: MailboxAddress) -> Bool {
        let names: Set<String> = [mailbox.qualifiedUser, mailbox.user]
        if !admins.isDisjoint(with: names) { return false }
        guard let users else { return true }
        return !users.isDisjoint(with: names)
    }
}

extension Substring {
    func trimmingCharacters(in blanks: String) -> String {
        var text = self
        while let first = text.first, blanks.contains(first) { text.removeFirst() }
        while let last = text.last, blanks.contains(last) { text.removeLast() }
        return String(text)
    }
}
