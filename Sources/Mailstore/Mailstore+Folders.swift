#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Maildir++ folders: `<maildir>/.<name>` directories holding `cur/new/tmp` and an empty
/// `maildirfolder` file, as Dovecot (`layout=maildir++`) and Courier create them.
extension Mailstore {
    /// The name of the marker file in every Maildir++ folder.
    public static let folderMarker = "maildirfolder"

    /// The directory of `target`: the Maildir root for an INBOX, `<root>/.<name>` for a folder;
    /// nil when the mailbox cannot be placed safely.
    public func directory(of target: MailboxTarget) -> String? {
        guard let root = maildirPath(for: target.mailbox) else { return nil }
        guard let folder = target.folder else { return root }
        return root + "/" + folder.directoryName
    }

    /// Whether `target` can receive mail: for an INBOX, its Maildir exists; for a folder, its
    /// `new/` is a directory (one `stat`).
    public func targetExists(_ target: MailboxTarget) -> Bool {
        guard target.folder != nil else { return mailboxExists(target.mailbox) }
        guard let path = directory(of: target) else { return false }
        return isDirectory(path + "/new")
    }

    /// Creates the folder `target.folder` in an existing Maildir: its `cur`, `new`, `tmp` and
    /// the `maildirfolder` marker; new entries are made durable. Succeeds without change when
    /// the folder exists. Fails with `.mailboxMissing` when the Maildir itself does not exist.
    public func createFolder(_ target: MailboxTarget) throws(StoreError) {
        guard let root = maildirPath(for: target.mailbox) else { throw .invalidMailbox }
        guard let folder = target.folder else {
            try createMailbox(target.mailbox)
            return
        }
        guard Maildir(path: root).exists else { throw .mailboxMissing }
        let path = root + "/" + folder.directoryName
        try Maildir(path: path).create(durable: config.fsync)
        let marker = path + "/" + Mailstore.folderMarker
        let fd = openRetrying(marker, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if fd < 0 { throw StoreError.fromErrno(errno, operation: "create \(marker)") }
        closeQuietly(fd)
        if config.fsync {
            try fsyncDirectory(path)
            try fsyncDirectory(root)
        }
    }

    /// Every folder of `mailbox`'s Maildir, sorted by directory name (a directory scan; names
    /// that are not canonical Maildir++ folder names are skipped).
    public func folders(of mailbox: MailboxAddress) -> [FolderName] {
        guard let root = maildirPath(for: mailbox) else { return [] }
        return directoryEntries(root).sorted().compactMap { name in
            guard name.hasPrefix("."), isDirectory(root + "/" + name + "/new") else { return nil }
            return FolderName(directoryName: name)
        }
    }

    /// Cyrus's `lmtp_fuzzy_mailbox_match`: the deepest existing folder whose levels match the
    /// leading levels of `wanted`, comparing case-insensitively and treating space, `-` and `_`
    /// as the same character (`Mailing Lists` finds `mailing-lists`). Among equally deep matches
    /// the first in directory-name order wins. Nil when none matches. Scans the Maildir root.
    public func fuzzyMatch(_ wanted: FolderName, in mailbox: MailboxAddress) -> FolderName? {
        let want = wanted.levels.map(Self.fuzzyKey)
        var best: FolderName?
        for folder in folders(of: mailbox) where folder.levels.count <= want.count {
            let have = folder.levels.map(Self.fuzzyKey)
            guard have.elementsEqual(want.prefix(have.count)) else { continue }
            if have.count > (best?.levels.count ?? 0) { best = folder }
        }
        return best
    }

    /// The rights on `target` from its `dovecot-acl` file, or Dovecot's default (owner only)
    /// when there is none or it cannot be read.
    public func acl(of target: MailboxTarget) -> FolderACL {
        guard let path = directory(of: target),
              let bytes = try? readSmallFile(path + "/" + FolderACL.fileName, limit: 64 * 1024)
        else { return .ownerOnly }
        return FolderACL.parse(String(decoding: bytes.bytes, as: UTF8.self))
    }

    /// A level reduced for fuzzy comparison: lower-cased, space/`-`/`_` made one character.
    static func fuzzyKey(_ level: String) -> String {
        String(level.lowercased().map { $0 == " " || $0 == "-" || $0 == "_" ? " " : $0 })
    }
}
