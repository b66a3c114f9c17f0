import CSQLite
import Foundation
import Glibc
import Mailstore
import Testing
@testable import LMTPServer

/// Cyrus 3.6's timsieved keeps a script's source as a message of the user's `#sieve` mailbox
/// (named by the user's DAV database), not as `<name>.script` beside `defaultbc`.
@Suite("Sieve scripts: Cyrus 3.6's #sieve mailbox")
struct CyrusSieveMailboxTests {
    /// A scratch Cyrus installation: sievedir, configdirectory, partition.
    private struct Site {
        let root: String
        var sievedir: String { root + "/sieve" }
        var config: String { root + "/conf" }
        var partition: String { root + "/mail" }

        init() throws {
            var template = Array("/var/tmp/cyrus-sieve-mailbox.XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
            root = String(cString: made)
        }

        /// The DAV database with `rows` (name, mailbox id, uid, alive), Cyrus 3.6's table.
        func database(_ user: String, _ rows: [(String, String, Int, Int)]) throws {
            let directory = config + "/user/\(user.prefix(1))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var db: OpaquePointer?
            #expect(sqlite3_open(directory + "/\(user).dav", &db) == SQLITE_OK)
            defer { sqlite3_close(db) }
            var sql = """
                CREATE TABLE sieve_scripts ( rowid INTEGER PRIMARY KEY, creationdate INTEGER, lastupdated INTEGER,
                  mailbox TEXT NOT NULL, imap_uid INTEGER, modseq INTEGER, createdmodseq INTEGER, id TEXT NOT NULL,
                  name TEXT NOT NULL, contentid TEXT NOT NULL, isactive INTEGER, alive INTEGER,
                  UNIQUE( mailbox, imap_uid ), UNIQUE( id ) );
                """
            for (n, row) in rows.enumerated() {
                sql += "INSERT INTO sieve_scripts (mailbox, imap_uid, modseq, id, name, contentid, isactive, alive) "
                    + "VALUES ('\(row.1)', \(row.2), \(n + 1), 'id\(n)', '\(row.0)', 'c\(n)', 1, \(row.3));"
            }
            #expect(sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK)
        }

        /// A message as timsieved stores it: headers, an empty line, the script.
        func message(_ directory: String, uid: Int, script: String) throws {
            try FileManager.default.createDirectory(atPath: partition + "/" + directory, withIntermediateDirectories: true)
            try ("From: <alice@test.example>\r\nSubject: rules\r\nContent-Type: application/sieve; charset=utf-8\r\n"
                 + "MIME-Version: 1.0\r\n\r\n" + script)
                .write(toFile: partition + "/\(directory)/\(uid).", atomically: true, encoding: .utf8)
        }

        func activate(_ user: String, _ name: String) throws {
            let directory = sievedir + "/\(user.prefix(1))/\(user)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            symlink("\(name).bc", directory + "/defaultbc")
        }

        var locator: SieveScriptLocator {
            SieveScriptLocator(layout: .cyrus(sievedir: sievedir), partitionRoot: partition, sievedir: sievedir, configDirectory: config)
        }
    }

    private static func user(_ name: String) throws -> MailboxAddress {
        try #require(MailboxAddress.validated(user: name))
    }

    @Test("no <name>.script: the live message of the #sieve mailbox (legacy and uuid directories), read without its headers")
    func sourceFromMailbox() throws {
        let site = try Site()
        defer { try? FileManager.default.removeItem(atPath: site.root) }
        // alice: legacy directory, an expunged older upload (alive 0) beside the live one.
        try site.database("alice", [("rules", "j67f12rq830d5a9nhj3aeodo", 1, 0), ("rules", "j67f12rq830d5a9nhj3aeodo", 3, 1)])
        try site.message("user/alice/#sieve", uid: 1, script: "discard;\n")
        try site.message("user/alice/#sieve", uid: 3, script: "require \"fileinto\";\nfileinto \"Reports\";\n")
        try site.activate("alice", "rules")
        // bob: a uuid directory.
        try site.database("bob", [("main", "k2ab", 7, 1)])
        try site.message("uuid/k/2/k2ab", uid: 7, script: "keep;\n")
        try site.activate("bob", "main")

        let alice = try #require(site.locator.activeScript(for: try Self.user("alice")))
        #expect(alice.path == site.partition + "/user/alice/#sieve/3.")
        #expect(SieveFilter.readScript(alice.path, limit: 1000).map { String(decoding: $0, as: UTF8.self) }
                == "require \"fileinto\";\nfileinto \"Reports\";\n")
        #expect(SieveFilter.readScript(alice.path, limit: 10) == nil, "the script's size counts, not the message's")
        let bob = try #require(site.locator.activeScript(for: try Self.user("bob")))
        #expect(bob.path == site.partition + "/uuid/k/2/k2ab/7.")
    }

    @Test("a <name>.script beside defaultbc wins; an unknown name or an id that is no path component finds nothing")
    func precedenceAndBadRows() throws {
        let site = try Site()
        defer { try? FileManager.default.removeItem(atPath: site.root) }
        try site.database("alice", [("rules", "j67f", 1, 1)])
        try site.message("user/alice/#sieve", uid: 1, script: "keep;\n")
        try site.activate("alice", "rules")
        try "discard;".write(toFile: site.sievedir + "/a/alice/rules.script", atomically: true, encoding: .utf8)
        #expect(site.locator.activeScript(for: try Self.user("alice"))?.path
                == site.sievedir + "/a/alice/rules.script")

        try site.database("carol", [("main", "../../x", 1, 1)])
        try site.activate("carol", "other")
        #expect(CyrusSieveMailbox.lookup(database: site.config + "/user/c/carol.dav", name: "main") == nil)
        #expect(CyrusSieveMailbox.lookup(database: site.config + "/user/c/carol.dav", name: "other") == nil)
        // defaultbc names a script the database does not know: the missing .script path, as before.
        #expect(site.locator.activeScript(for: try Self.user("carol"))?.path
                == site.sievedir + "/c/carol/other.script")
        #expect(CyrusSieveMailbox.isMessageFile("/x/#sieve/12.") && !CyrusSieveMailbox.isMessageFile("/x/main.script")
                && !CyrusSieveMailbox.isMessageFile("/x/."))
    }
}
