/// The access rights of one folder as Dovecot's ACL plugin keeps them: the `dovecot-acl` file
/// in the folder's directory (`vfile` backend), one entry per line:
///
/// ```
/// owner lrwstipekxa
/// anyone p
/// user=bob lrp
/// -user=eve p
/// ```
///
/// Identifiers: `anyone`, `authenticated`, `user=<id>`, `owner`, `group=`/`group-override=`
/// (groups are unknown to lmtpd and never match); a leading `-` makes the entry negative (its
/// rights are removed after all positive entries are added). Rights are IMAP ACL letters
/// (RFC 4314; `p` = post) or Dovecot's `:name` words (`:post`). Lines starting with `#` are
/// comments. Without a file, Dovecot's default applies: the owner has every right, nobody else any.
public struct FolderACL: Sendable, Equatable {
    /// One line of the file.
    public struct Entry: Sendable, Equatable {
        /// `anyone`, `authenticated`, `owner`, `user=<id>`, ...
        public var identifier: String
        /// A `-identifier` entry: its rights are taken away.
        public var negative: Bool
        /// Rights letters.
        public var rights: Set<Character>
    }

    /// The file's entries, in order.
    public var entries: [Entry]

    /// The name of the ACL file in a folder's directory.
    public static let fileName = "dovecot-acl"

    /// Dovecot's long right names and their letters.
    private static let namedRights: [String: Character] = [
        "lookup": "l", "read": "r", "write": "w", "write-seen": "s", "write-deleted": "t",
        "insert": "i", "post": "p", "expunge": "e", "create": "k", "delete": "x", "admin": "a",
    ]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Parses the text of a `dovecot-acl` file; unreadable lines are skipped.
    public static func parse(_ text: String) -> FolderACL {
        var entries: [Entry] = []
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingSpaces
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard tokens.count >= 2 else { continue }
            var identifier = String(tokens[0])
            let negative = identifier.hasPrefix("-")
            if negative { identifier.removeFirst() }
            var rights = Set<Character>()
            for token in tokens.dropFirst() {
                if token.hasPrefix(":") {
                    if let letter = namedRights[String(token.dropFirst())] { rights.insert(letter) }
                } else {
                    rights.formUnion(token)
                }
            }
            entries.append(Entry(identifier: identifier, negative: negative, rights: rights))
        }
        return FolderACL(entries: entries)
    }

    /// The rights of `identity` (nil: an anonymous sender, Cyrus's `anyone`) on a folder whose
    /// Maildir belongs to `owner`.
    public func rights(of identity: String?, owner: String) -> Set<Character> {
        var granted = Set<Character>()
        var removed = Set<Character>()
        for entry in entries where applies(entry.identifier, to: identity, owner: owner) {
            if entry.negative {
                removed.formUnion(entry.rights)
            } else {
                granted.formUnion(entry.rights)
            }
        }
        return granted.subtracting(removed)
    }

    /// Whether `identity` may post (`p`) to the folder.
    public func allowsPost(by identity: String?, owner: String) -> Bool {
        rights(of: identity, owner: owner).contains("p")
    }

    /// Whether some identity could post at all: a positive entry grants `p` to someone.
    public var grantsPostToSomeone: Bool {
        entries.contains { !$0.negative && $0.rights.contains("p") }
    }

    private func applies(_ identifier: String, to identity: String?, owner: String) -> Bool {
        switch identifier {
        case "anyone": return true
        case "authenticated": return identity != nil
        case "owner": return identity == owner
        default:
            guard let identity, identifier.hasPrefix("user=") else { return false }
            return identifier.dropFirst(5) == identity
        }
    }
}

/// Dovecot's default rights when a folder has no `dovecot-acl` file: all for the owner.
extension FolderACL {
    public static let ownerOnly = FolderACL(entries: [
        Entry(identifier: "owner", negative: false, rights: Set("lrwstipekxa")),
    ])
}

extension Substring {
    /// The text without leading and trailing blanks (space, tab).
    var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
