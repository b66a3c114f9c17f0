import Foundation
import Testing
@testable import Mailstore

/// Messages stored with IMAP flags (Sieve imap4flags): `cur/` with Maildir info letters, keywords
/// through `dovecot-keywords`, as Dovecot reads them.
@Suite("flags: cur/ with :2,<letters> and dovecot-keywords")
struct FlagsTests {
    private func store(_ flags: MessageFlags, scratch: Scratch, user: String = "alice") throws -> DeliveredMessage {
        let store = scratch.store()
        let alice = try address(user)
        try store.createMailbox(alice)
        let spool = try store.openSpool(in: alice)
        try write(message(100), to: spool)
        return try store.deliver(spool, to: [StoreRequest(MailboxTarget(alice), flags: flags)])[0].get()
    }

    @Test("system flags: the file is in cur/ with its letters in ASCII order; new/ stays empty")
    func systemFlags() throws {
        let scratch = try Scratch()
        let stored = try store(MessageFlags(system: [.seen, .flagged, .answered]), scratch: scratch)
        #expect(stored.path.hasPrefix(scratch.root + "/alice/cur/"))
        #expect(stored.path.hasSuffix(",S=100:2,FRS"))
        #expect(scratch.list(scratch.root + "/alice/new").isEmpty)
        #expect(contents(stored.path) == message(100))
    }

    @Test("no flags: new/, no info suffix, no keywords file")
    func noFlags() throws {
        let scratch = try Scratch()
        let stored = try store(MessageFlags(), scratch: scratch)
        #expect(stored.path.hasPrefix(scratch.root + "/alice/new/") && stored.path.hasSuffix(",S=100"))
        #expect(!FileManager.default.fileExists(atPath: scratch.root + "/alice/dovecot-keywords"))
    }

    @Test("keywords get letters from dovecot-keywords, appended in order; known ones are reused")
    func keywords() throws {
        let scratch = try Scratch()
        let first = try store(MessageFlags(system: [.seen], keywords: ["$Label1", "Work"]), scratch: scratch)
        #expect(first.path.hasSuffix(":2,Sab"))
        let second = try store(MessageFlags(keywords: ["Work", "Later"]), scratch: scratch)
        #expect(second.path.hasSuffix(":2,bc"))
        let map = String(decoding: contents(scratch.root + "/alice/dovecot-keywords") ?? [], as: UTF8.self)
        #expect(map == "0 $Label1\n1 Work\n2 Later\n")
    }

    @Test("an existing map (with a gap) is respected; at most 26 keywords, the rest are dropped")
    func existingMapAndLimit() throws {
        let scratch = try Scratch()
        let alice = try address("alice")
        try scratch.store().createMailbox(alice)
        try "0 Old\n2 Other\n".write(toFile: scratch.root + "/alice/dovecot-keywords", atomically: true, encoding: .utf8)
        let stored = try store(MessageFlags(keywords: ["Other", "New"]), scratch: scratch)
        #expect(stored.path.hasSuffix(":2,bc"), "Other is c, New takes the free b")
        let many = (0..<30).map { "k\($0)" }
        let crowded = try store(MessageFlags(keywords: many), scratch: scratch)
        let letters = crowded.path.split(separator: ",").last.map(String.init) ?? ""
        #expect(letters.count == 23, "26 letters, three already taken by Old, New and Other: \(letters)")
    }

    @Test("IMAP flag lists: system names in any case, \\Recent and bad atoms dropped")
    func imapFlagLists() {
        let flags = MessageFlags(imapFlags: ["\\seen", "\\FLAGGED", "\\Recent", "$Junk", "bad flag", "\\Whatever", "$Junk"])
        #expect(flags.system == [.seen, .flagged])
        #expect(flags.keywords == ["$Junk"])
    }
}
