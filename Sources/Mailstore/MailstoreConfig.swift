/// Where and how the mailstore keeps its Maildirs.
public struct MailstoreConfig: Sendable, Equatable {
    /// The directory holding the mailboxes (Cyrus's `partition-default`). Relative path
    /// templates are resolved under it, and may never leave it.
    public var partitionRoot: String
    /// Where one mailbox's Maildir lives (option `maildir_path`, default `%u`):
    /// `%u` = user, with `@domain` appended when a domain is in force; `%n` = the user without
    /// domain; `%d` = the domain (empty when none); `%%` = a literal `%`. A template not starting
    /// with `/` is relative to `partitionRoot`; an absolute one stands alone.
    public var pathTemplate: String
    /// The host name written into unique Maildir file names (`/` and `:` are escaped).
    /// Empty means the system host name.
    public var hostname: String
    /// Whether data and directories are fsynced before a delivery is reported. Keep it `true`;
    /// turning it off exists only to measure what durability costs.
    public var fsync: Bool

    public init(partitionRoot: String, pathTemplate: String = "%u", hostname: String = "", fsync: Bool = true) {
        self.partitionRoot = partitionRoot
        self.pathTemplate = pathTemplate
        self.hostname = hostname
        self.fsync = fsync
    }

    /// A description of what is wrong with this configuration, or nil when it is usable.
    /// Callers should refuse to start on a non-nil answer (a bad template would otherwise make
    /// every delivery fail with `.invalidMailbox`).
    public func problem() -> String? {
        if partitionRoot.isEmpty && !pathTemplate.hasPrefix("/") {
            return "partition root is empty but maildir_path \"\(pathTemplate)\" is relative"
        }
        if !partitionRoot.isEmpty && !partitionRoot.hasPrefix("/") {
            return "partition root \"\(partitionRoot)\" is not an absolute path"
        }
        if let issue = PathTemplate(pathTemplate).problem {
            return "maildir_path \"\(pathTemplate)\": \(issue)"
        }
        return nil
    }
}
