/// The hierarchy separator of folder names as clients and `+detail` addresses write them
/// (Cyrus's `unixhierarchysep`: `/` when on, `.` when off).
public enum HierarchySeparator: Character, Sendable {
    case slash = "/"
    case dot = "."
}

/// Why a folder name cannot be stored.
public enum FolderNameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An empty name or an empty level (`a//b`, a leading or trailing separator).
    case emptyLevel
    /// A level holds `.`, which Maildir++ uses between levels on disk (only possible with the
    /// `/` separator), or `/`, which can never be part of a directory name.
    case reservedCharacter(Character)
    /// A control character (NUL included) or U+FFFD, the mark of undecodable input.
    case invalidCharacter
    /// The directory name would exceed 255 bytes.
    case tooLong

    public var description: String {
        switch self {
        case .emptyLevel: return "empty name or hierarchy level"
        case .reservedCharacter(let character): return "a level contains \"\(character)\", which Maildir++ cannot store"
        case .invalidCharacter: return "control character or undecodable text"
        case .tooLong: return "longer than 255 bytes on disk"
        }
    }
}

/// A folder below a user's INBOX, in Maildir++ layout (what Dovecot calls `layout=maildir++`).
///
/// Levels are kept as Unicode text; on disk the folder is the directory
/// `<maildir>/.<level1>.<level2>…`, each level in modified UTF-7, so `Lists/Café` becomes
/// `.Lists.Caf&AOk-`. A level can therefore never contain `.` or `/`; names that would need
/// them are refused rather than altered, so no name ever reaches a path outside the Maildir.
public struct FolderName: Sendable, Hashable, CustomStringConvertible {
    /// The levels, outermost first (never empty, no level empty).
    public let levels: [String]
    /// The folder's directory in the Maildir root: `.` + the modified UTF-7 levels joined by `.`.
    public let directoryName: String

    /// The longest directory name (Linux `NAME_MAX`).
    public static let maximumDirectoryBytes = 255

    /// The folder with these levels. Throws when a level is empty, contains `.`, `/`, a control
    /// character or U+FFFD, or when the directory name would be longer than 255 bytes.
    public init(levels: [String]) throws(FolderNameError) {
        guard !levels.isEmpty else { throw .emptyLevel }
        var encoded: [String] = []
        encoded.reserveCapacity(levels.count)
        for level in levels {
            try FolderName.check(level)
            encoded.append(ModifiedUTF7.encode(level))
        }
        let directory = "." + encoded.joined(separator: ".")
        guard directory.utf8.count <= FolderName.maximumDirectoryBytes else { throw .tooLong }
        self.levels = levels
        self.directoryName = directory
    }

    /// Parses a name as an address `+detail` or `autocreate_inbox_folders` gives it: split at
    /// `separator`. Returns nil for the INBOX itself (`INBOX` in any case); a leading `INBOX`
    /// level is dropped (`INBOX/Sent` is `Sent`), since folders are INBOX-relative as in Dovecot.
    public static func parse(_ text: String, separator: HierarchySeparator) throws(FolderNameError) -> FolderName? {
        var levels = text.split(separator: separator.rawValue, omittingEmptySubsequences: false).map(String.init)
        if let first = levels.first, first.lowercased() == "inbox" {
            levels.removeFirst()
            if levels.isEmpty { return nil }
        }
        return try FolderName(levels: levels)
    }

    /// The folder a Maildir++ directory name stands for, or nil when `directoryName` is not one
    /// (no leading `.`, `.`/`..`, an empty level, or levels that are not canonical modified UTF-7).
    public init?(directoryName: String) {
        guard directoryName.hasPrefix("."), directoryName != ".", directoryName != ".." else { return nil }
        var levels: [String] = []
        for part in directoryName.utf8.dropFirst().split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard let text = String(part), let decoded = ModifiedUTF7.decode(text) else { return nil }
            levels.append(decoded)
        }
        guard let folder = try? FolderName(levels: levels), folder.directoryName == directoryName else { return nil }
        self = folder
    }

    /// The name with `/` between levels, e.g. `Lists/swift`.
    public var description: String { levels.joined(separator: "/") }

    /// A level may hold any character except `.`, `/`, controls (C0, DEL) and U+FFFD.
    private static func check(_ level: String) throws(FolderNameError) {
        guard !level.isEmpty else { throw .emptyLevel }
        for scalar in level.unicodeScalars {
            switch scalar.value {
            case 0x2e: throw .reservedCharacter(".")
            case 0x2f: throw .reservedCharacter("/")
            case 0x00..<0x20, 0x7f, 0xfffd: throw .invalidCharacter
            default: continue
            }
        }
    }
}

/// Where one copy of a message goes: a user's Maildir and, optionally, a folder in it
/// (nil: the INBOX, which is the Maildir root).
public struct MailboxTarget: Sendable, Hashable, CustomStringConvertible {
    /// The Maildir's owner.
    public let mailbox: MailboxAddress
    /// The folder, or nil for the INBOX.
    public let folder: FolderName?

    public init(_ mailbox: MailboxAddress, folder: FolderName? = nil) {
        self.mailbox = mailbox
        self.folder = folder
    }

    /// `alice` for an INBOX, `alice/Lists/swift` for a folder.
    public var description: String {
        guard let folder else { return mailbox.description }
        return "\(mailbox)/\(folder)"
    }
}
