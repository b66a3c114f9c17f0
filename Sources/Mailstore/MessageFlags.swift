/// IMAP flags a message is stored with (Sieve's imap4flags, RFC 5232), as Maildir keeps them:
/// system flags as the info letters of the file name (`<name>:2,FS`, the file in `cur/`),
/// keywords as the letters `a`..`z` that the Maildir's `dovecot-keywords` file maps to names
/// (Dovecot's layout, so Dovecot IMAP shows them in `FETCH FLAGS`).
public struct MessageFlags: Sendable, Hashable {
    /// `\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`.
    public var system: Set<SystemFlag>
    /// Keywords (`$Label1`, `Work`...), as given, without duplicates.
    public var keywords: [String]

    public init(system: Set<SystemFlag> = [], keywords: [String] = []) {
        self.system = system
        var seen = Set<String>()
        self.keywords = keywords.filter { seen.insert($0).inserted }
    }

    /// No flag at all: the message goes to `new/`, as without flags.
    public var isEmpty: Bool { system.isEmpty && keywords.isEmpty }

    /// The flags of an IMAP flag list: `\Seen` and its kin (any case) are system flags,
    /// `\Recent` and other backslash names are dropped (not settable), anything else that is
    /// a valid IMAP atom is a keyword.
    public init(imapFlags: [String]) {
        var system = Set<SystemFlag>()
        var keywords: [String] = []
        for flag in imapFlags {
            if flag.hasPrefix("\\") {
                if let known = SystemFlag(imapName: flag) { system.insert(known) }
            } else if Self.isAtom(flag) {
                keywords.append(flag)
            }
        }
        self.init(system: system, keywords: keywords)
    }

    /// An IMAP atom: 1..255 printable ASCII bytes, none of `( ) { % * " \ ]` or space.
    static func isAtom(_ text: String) -> Bool {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= 255 else { return false }
        return bytes.allSatisfy { byte in
            byte > 0x20 && byte < 0x7f && !"(){%*\"\\]".utf8.contains(byte)
        }
    }
}

/// The IMAP system flags a delivery may set, with their Maildir info letters.
public enum SystemFlag: String, Sendable, Hashable, CaseIterable, Comparable {
    case draft = "D"
    case flagged = "F"
    case answered = "R"
    case seen = "S"
    case deleted = "T"

    /// `\Seen` → `.seen`; case-insensitive, as IMAP flag names are.
    public init?(imapName: String) {
        switch imapName.lowercased() {
        case "\\seen": self = .seen
        case "\\answered": self = .answered
        case "\\flagged": self = .flagged
        case "\\deleted": self = .deleted
        case "\\draft": self = .draft
        default: return nil
        }
    }

    /// The IMAP name, `\Seen`.
    public var imapName: String {
        switch self {
        case .draft: "\\Draft"
        case .flagged: "\\Flagged"
        case .answered: "\\Answered"
        case .seen: "\\Seen"
        case .deleted: "\\Deleted"
        }
    }

    public static func < (a: SystemFlag, b: SystemFlag) -> Bool { a.rawValue < b.rawValue }
}

/// One copy to store: where, and with which flags.
public struct StoreRequest: Sendable, Hashable {
    public var target: MailboxTarget
    public var flags: MessageFlags

    public init(_ target: MailboxTarget, flags: MessageFlags = MessageFlags()) {
        self.target = target
        self.flags = flags
    }
}
