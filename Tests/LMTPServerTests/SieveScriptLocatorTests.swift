import Foundation
import Glibc
import Mailstore
import Testing
@testable import LMTPServer

/// Where a user's active Sieve script is found: Cyrus's sievedir layout (as timsieved leaves
/// it), the home-directory file, and our template for Dovecot's layout.
@Suite("Sieve scripts: where they are")
struct SieveScriptLocatorTests {
    private static func scratch() throws -> String {
        var template = Array("/var/tmp/sieve-locator.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        return String(cString: made)
    }

    private static func mailbox(_ user: String, _ domain: String? = nil) throws -> MailboxAddress {
        try #require(MailboxAddress.validated(user: user, domain: domain))
    }

    @Test("Cyrus layout: <sievedir>/<letter>/<user>/defaultbc → <name>.bc, read as <name>.script")
    func cyrusLayout() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/a/alice", withIntermediateDirectories: true)
        try "keep;".write(toFile: dir + "/a/alice/main.script", atomically: true, encoding: .utf8)
        symlink("main.bc", dir + "/a/alice/defaultbc")
        let locator = SieveScriptLocator(layout: .cyrus(sievedir: dir), partitionRoot: "/nonexistent", sievedir: dir)
        #expect(locator.activeScript(for: try Self.mailbox("alice"))
                == .init(path: dir + "/a/alice/main.script", personalDirectory: dir + "/a/alice", includeSuffix: ".script",
                         cyrusOwner: try Self.mailbox("alice")))
        #expect(locator.activeScript(for: try Self.mailbox("bob")) == nil, "no defaultbc: no script")
        #expect(locator.globalScript(named: "spam") == dir + "/global/spam.script")
        #expect(locator.globalScript(named: "../x") == nil && locator.globalScript(named: ".hidden") == nil)
    }

    @Test("Cyrus layout with a domain, and names that do not start with a letter hash to q")
    func cyrusDomainsAndHash() throws {
        #expect(SieveScriptLocator.userDirectory(sievedir: "/s", mailbox: try Self.mailbox("Bob", "Example.org"))
                == "/s/domain/e/Example.org/b/Bob")
        #expect(SieveScriptLocator.userDirectory(sievedir: "/s", mailbox: try Self.mailbox("1abc")) == "/s/q/1abc")
        #expect(SieveScriptLocator.userDirectory(sievedir: "/s", mailbox: try Self.mailbox("éric")) == "/s/q/éric")
    }

    @Test("a defaultbc pointing elsewhere (another directory, not a .bc) is not followed")
    func hostileLink() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/m/mallory", withIntermediateDirectories: true)
        symlink("../../a/alice/main.bc", dir + "/m/mallory/defaultbc")
        let locator = SieveScriptLocator(layout: .cyrus(sievedir: dir), partitionRoot: "/", sievedir: dir)
        #expect(locator.activeScript(for: try Self.mailbox("mallory")) == nil)
    }

    @Test("template layout (Dovecot): the active symlink is followed; personal includes beside its target")
    func templateLayout() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/alice/sieve", withIntermediateDirectories: true)
        try "keep;".write(toFile: dir + "/alice/sieve/main.sieve", atomically: true, encoding: .utf8)
        symlink("sieve/main.sieve", dir + "/alice/.dovecot.sieve")
        let locator = SieveScriptLocator(layout: .template("%u/.dovecot.sieve"), partitionRoot: dir, sievedir: "/usr/sieve")
        let script = try #require(locator.activeScript(for: try Self.mailbox("alice")))
        #expect(script.path == dir + "/alice/sieve/main.sieve")
        #expect(locator.personalScript(named: "lists", of: script) == dir + "/alice/sieve/lists.sieve")
        #expect(locator.activeScript(for: try Self.mailbox("bob")) == nil)
    }
}
