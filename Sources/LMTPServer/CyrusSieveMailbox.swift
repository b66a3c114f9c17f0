import CSQLite
import Glibc
import Mailstore

/// Where Cyrus 3.6's timsieved keeps a script's source: not as `<name>.script` in sievedir
/// (it leaves only `<name>.bc` and `defaultbc` there, and moves older `.script` files away at
/// a user's first login) but as a message of the user's `#sieve` mailbox, one per upload.
///
/// The user's DAV database `<configdirectory>/user/<h>/<user>.dav` (SQLite, table
/// `sieve_scripts`) names the message: the `#sieve` mailbox's unique id and the message's UID.
/// The message file is `<uid>.` in that mailbox's directory on the partition:
/// `uuid/<c1>/<c2>/<id>/` or, for legacy mailboxes, `user/<user>/#sieve/` (`<h>/user/...`
/// with `hashimapspool`); its body is the script, as uploaded.
struct CyrusSieveMailbox: Sendable {
    let configDirectory: String
    let partitionRoot: String

    /// The message file holding `mailbox`'s live script `name`, or nil when there is none.
    func scriptMessage(for mailbox: MailboxAddress, named name: String) -> String? {
        guard !configDirectory.isEmpty, !partitionRoot.isEmpty,
              let (mailboxID, uid) = Self.lookup(database: davDatabase(for: mailbox), name: name) else { return nil }
        return messageDirectories(for: mailbox, mailboxID: mailboxID)
            .map { "\($0)/\(uid)." }
            .first { access($0, R_OK) == 0 }
    }

    /// `<configdirectory>[/domain/<h>/<domain>]/user/<h>/<user>.dav` (Cyrus without `fulldirhash`).
    func davDatabase(for mailbox: MailboxAddress) -> String {
        var path = configDirectory
        if let domain = mailbox.domain { path += "/domain/\(SieveScriptLocator.hashLetter(domain))/\(domain)" }
        return path + "/user/\(SieveScriptLocator.hashLetter(mailbox.user))/\(mailbox.user).dav"
    }

    /// The directories the `#sieve` mailbox may have on the partition, most likely first.
    func messageDirectories(for mailbox: MailboxAddress, mailboxID: String) -> [String] {
        var directories: [String] = []
        let id = Array(mailboxID)
        if id.count >= 2 { directories.append("\(partitionRoot)/uuid/\(id[0])/\(id[1])/\(mailboxID)") }
        var base = partitionRoot
        if let domain = mailbox.domain { base += "/domain/\(SieveScriptLocator.hashLetter(domain))/\(domain)" }
        directories.append("\(base)/user/\(mailbox.user)/#sieve")
        directories.append("\(base)/\(SieveScriptLocator.hashLetter(mailbox.user))/user/\(mailbox.user)/#sieve")
        return directories
    }

    /// The `#sieve` mailbox id and the message UID of the live script `name`.
    static func lookup(database: String, name: String) -> (String, Int64)? {
        var db: OpaquePointer?
        defer { sqlite3_close_v2(db) }
        guard sqlite3_open_v2(database, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else { return nil }
        sqlite3_busy_timeout(db, 2000)
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        let sql = "SELECT mailbox, imap_uid FROM sieve_scripts WHERE name = ?1 AND alive = 1 ORDER BY modseq DESC LIMIT 1;"
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK,
              sqlite3_bind_text(statement, 1, name, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self)) == SQLITE_OK,
              sqlite3_step(statement) == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) else { return nil }
        let mailboxID = String(cString: text)
        let uid = sqlite3_column_int64(statement, 1)
        // The id becomes a path component: letters, digits and `-` only.
        guard uid > 0, !mailboxID.isEmpty,
              mailboxID.unicodeScalars.allSatisfy({ $0.isASCII && ($0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) })
        else { return nil }
        return (mailboxID, uid)
    }

    /// Whether `path` names a Cyrus message file (`<digits>.`), whose body is the script.
    static func isMessageFile(_ path: String) -> Bool {
        let name = path.split(separator: "/").last ?? ""
        return name.count > 1 && name.hasSuffix(".") && name.dropLast().allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The body of a stored message: what follows the first empty line.
    static func body(ofMessage bytes: [UInt8]) -> [UInt8] {
        var lineStart = 0
        for i in bytes.indices where bytes[i] == 0x0A {
            let line = bytes[lineStart..<i]
            if line.isEmpty || line.elementsEqual([0x0D]) { return Array(bytes[(i + 1)...]) }
            lineStart = i + 1
        }
        return []
    }
}
