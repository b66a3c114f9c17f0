import Glibc
import Mailstore

/// Where a user's active Sieve script is, in the layouts Cyrus and Dovecot sites already have
/// (imapd.conf):
///
/// - Cyrus (`sievedir`, default `/usr/sieve`): the user's directory is
///   `<sievedir>/<h>/<user>/`, with a domain `<sievedir>/domain/<h>/<domain>/<h>/<user>/`,
///   where `<h>` is the name's first letter in lower case (`q` when it is not a letter). The
///   active script is the symlink `defaultbc` → `<name>.bc` (Cyrus's bytecode); we read the
///   source `<name>.script` beside it or, when there is none (Cyrus 3.6's timsieved keeps the
///   source in the user's `#sieve` mailbox), the message ``CyrusSieveMailbox`` finds. Global
///   scripts are in `<sievedir>/global/`.
/// - `sieveusehomedir: 1`: the file `~user/.sieve` (home from the password database).
/// - Ours, `sieve_script_path`: a template like `maildir_path` (`%u`, `%n`, `%d`, `%%`;
///   relative to the partition unless absolute), e.g. `/home/%n/.dovecot.sieve` for Dovecot's
///   active-script symlink into `~/sieve/`; personal includes are read beside the file it
///   points to.
///
/// Finding that a user has no script costs one system call (`readlink` or `open`).
struct SieveScriptLocator: Sendable {
    enum Layout: Sendable, Equatable {
        case cyrus(sievedir: String)
        case home
        case template(String)
    }

    /// A user's active script: the source file to read and the directory of `:personal`
    /// includes.
    struct Script: Equatable {
        var path: String
        var personalDirectory: String
        /// The file name suffix of personal includes (`.script` for Cyrus, `.sieve` else).
        var includeSuffix: String
        /// Cyrus's layout: whose `#sieve` mailbox holds personal scripts with no `.script` file.
        var cyrusOwner: MailboxAddress? = nil
    }

    let layout: Layout
    /// The partition root (relative `sieve_script_path` templates start there).
    let partitionRoot: String
    /// Cyrus's `sievedir`, for `include :global` (also with the other layouts).
    let sievedir: String
    /// Cyrus's `configdirectory` (the users' DAV databases of the `#sieve` mailboxes).
    var configDirectory: String = ""

    /// The active script of `mailbox`, or nil when it has none.
    func activeScript(for mailbox: MailboxAddress) -> Script? {
        switch layout {
        case .cyrus(let sievedir):
            let directory = Self.userDirectory(sievedir: sievedir, mailbox: mailbox)
            guard let target = Self.readLink(directory + "/defaultbc") else { return nil }
            // `defaultbc` names `<name>.bc` in the same directory; anything else is not ours to follow.
            guard !target.contains("/"), target.hasSuffix(".bc"), target.count > 3 else { return nil }
            let name = String(target.dropLast(3))
            let source = directory + "/" + name + ".script"
            if access(source, F_OK) != 0,
               let message = CyrusSieveMailbox(configDirectory: configDirectory, partitionRoot: partitionRoot)
                   .scriptMessage(for: mailbox, named: name) {
                return Script(path: message, personalDirectory: directory, includeSuffix: ".script", cyrusOwner: mailbox)
            }
            return Script(path: source, personalDirectory: directory, includeSuffix: ".script", cyrusOwner: mailbox)
        case .home:
            guard let home = Self.homeDirectory(of: mailbox.user) else { return nil }
            let path = home + "/.sieve"
            guard Self.isRegularFile(path) else { return nil }
            return Script(path: path, personalDirectory: home, includeSuffix: ".sieve")
        case .template(let template):
            guard let path = PathTemplate(template).path(for: mailbox, root: partitionRoot),
                  let resolved = Self.realPath(path) else { return nil }
            let directory = resolved.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            return Script(path: resolved, personalDirectory: directory.isEmpty ? "/" : directory, includeSuffix: ".sieve")
        }
    }

    /// The file of `include :global "<name>"`.
    func globalScript(named name: String) -> String? {
        guard Self.isSafeScriptName(name) else { return nil }
        return sievedir + "/global/" + name + ".script"
    }

    /// The file of `include :personal "<name>"` for `script`: `<name>.script` (`.sieve`) beside
    /// it or, in Cyrus's layout when there is no such file, the script's message in the user's
    /// `#sieve` mailbox (where Cyrus 3.6's timsieved keeps what it was given).
    func personalScript(named name: String, of script: Script) -> String? {
        guard Self.isSafeScriptName(name) else { return nil }
        let path = script.personalDirectory + "/" + name + script.includeSuffix
        if let owner = script.cyrusOwner, access(path, F_OK) != 0,
           let message = CyrusSieveMailbox(configDirectory: configDirectory, partitionRoot: partitionRoot)
               .scriptMessage(for: owner, named: name) {
            return message
        }
        return path
    }

    /// Cyrus's per-user directory under `sievedir`.
    static func userDirectory(sievedir: String, mailbox: MailboxAddress) -> String {
        var path = sievedir
        if let domain = mailbox.domain { path += "/domain/\(hashLetter(domain))/\(domain)" }
        return path + "/\(hashLetter(mailbox.user))/\(mailbox.user)"
    }

    /// Cyrus's directory hash without `fulldirhash`: the first letter, lower-cased; `q` when the
    /// name does not start with a letter.
    static func hashLetter(_ name: String) -> Character {
        guard let first = name.unicodeScalars.first, first.isASCII,
              let letter = Character(first).lowercased().first, letter >= "a" && letter <= "z" else { return "q" }
        return letter
    }

    /// A script name usable as a file name: no `/`, no leading dot, no controls, not empty.
    static func isSafeScriptName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255, !name.hasPrefix(".") else { return false }
        return name.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7f && $0 != UInt8(ascii: "/") }
    }

    private static func readLink(_ path: String) -> String? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { buffer in
            let n = readlink(path, buffer.baseAddress!, buffer.count - 1)
            guard n > 0 else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self)
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        let result = String(cString: resolved)
        return isRegularFile(result) ? result : nil
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    private static func homeDirectory(of user: String) -> String? {
        guard let entry = getpwnam(user), let home = entry.pointee.pw_dir else { return nil }
        let path = String(cString: home)
        return path.isEmpty ? nil : path
    }
}
