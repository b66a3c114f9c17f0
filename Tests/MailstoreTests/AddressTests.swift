import Foundation
import Glibc
import Testing
@testable import Mailstore

@Suite("Mailbox names never leave the mailstore")
struct AddressTests {
    static let badUsers: [String] = [
        "", ".", "..", "../x", "a/b", "/etc", ".hidden", "a\0b", "a\nb", "tab\there", "del\u{7f}",
        "esc\u{1b}", String(repeating: "x", count: 300), String(repeating: "é", count: 128),
    ]

    @Test("unsafe user names are rejected", arguments: badUsers)
    func badUser(user: String) throws {
        #expect(MailboxAddress.validated(user: user) == nil)
        #expect(throws: StoreError.invalidMailbox) { try MailboxAddress(user: user) }
    }

    @Test("unsafe domains are rejected", arguments: ["", ".", "..", "a..b", "../x", "a/b", ".example.org", "ex\u{1}ample"])
    func badDomain(domain: String) {
        #expect(MailboxAddress.validated(user: "alice", domain: domain) == nil)
    }

    @Test("ordinary names are accepted", arguments: [
        ("alice", nil), ("first.last", "example.org"), ("\"quoted\"", nil), ("x", "b"),
        (String(repeating: "x", count: 255), nil), ("user@inner", "example.org"), ("a.", "b-c.example"),
    ] as [(String, String?)])
    func goodNames(user: String, domain: String?) throws {
        let value = try #require(MailboxAddress.validated(user: user, domain: domain))
        #expect(value.user == user)
        #expect(value.domain == domain)
        #expect(value.qualifiedUser == (domain.map { "\(user)@\($0)" } ?? user))
    }

    @Test("a valid but over-long %u (user plus domain above 255 bytes) is refused, nothing created")
    func overLongExpansion() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let long = try address(String(repeating: "u", count: 200), String(repeating: "d", count: 100))
        #expect(store.maildirPath(for: long) == nil)
        #expect(throws: StoreError.invalidMailbox) { try store.createMailbox(long) }
        #expect(throws: StoreError.invalidMailbox) { try store.openSpool(in: long) }
        #expect(!store.mailboxExists(long))
        #expect(scratch.list(scratch.root).isEmpty)
    }

    @Test("a template that climbs out of the partition never places a mailbox", arguments: [
        "../%u", "%u/../../x", "./%u", "%n/..", "..%%/%u/..",
    ])
    func escapingTemplate(template: String) throws {
        let scratch = try Scratch()
        let store = scratch.store(template: template)
        let alice = try address("alice", "example.org")
        #expect(store.maildirPath(for: alice) == nil)
        #expect(throws: StoreError.invalidMailbox) { try store.createMailbox(alice) }
        #expect(throws: StoreError.invalidMailbox) { try store.openSpool(in: alice) }
        #expect(scratch.list(scratch.base) == ["root"])
        #expect(scratch.list(scratch.root).isEmpty)
    }

    @Test("delivering to an unplaceable mailbox fails for that recipient only")
    func unplaceableRecipient() throws {
        let scratch = try Scratch()
        // "%n-%n" doubles the user: a 200-byte user makes a 401-byte path component.
        let store = scratch.store(template: "%n-%n")
        let alice = try address("alice")
        let long = try address(String(repeating: "n", count: 200))
        try store.createMailbox(alice)
        #expect(scratch.list(scratch.root) == ["alice-alice"])
        let spool = try store.openSpool(in: alice)
        try write(message(20), to: spool)
        let results = store.deliver(spool, to: [long, alice])
        #expect(results[0] == .failure(.invalidMailbox))
        #expect(contents(try results[1].get().path) == message(20))
        #expect(scratch.list(scratch.base) == ["root"])
        #expect(scratch.list(scratch.root) == ["alice-alice"])
    }
}
