import Foundation
import Testing
@testable import Mailstore

@Suite("Folder posting rights from dovecot-acl")
struct FolderACLTests {
    @Test("anyone p lets anonymous and authenticated senders post")
    func anyone() {
        let acl = FolderACL.parse("owner lrwstipekxa\nanyone p\n")
        #expect(acl.allowsPost(by: nil, owner: "alice"))
        #expect(acl.allowsPost(by: "bob", owner: "alice"))
    }

    @Test("user= and authenticated need an AUTH= identity; owner means the Maildir's user")
    func identities() {
        let acl = FolderACL.parse("# shared with bob\nuser=bob lrp\nauthenticated r\n")
        #expect(!acl.allowsPost(by: nil, owner: "alice"))
        #expect(acl.allowsPost(by: "bob", owner: "alice"))
        #expect(!acl.allowsPost(by: "carol", owner: "alice"))
        #expect(FolderACL.parse("authenticated :post :read\n").allowsPost(by: "carol", owner: "alice"))
        #expect(FolderACL.ownerOnly.allowsPost(by: "alice", owner: "alice"))
        #expect(!FolderACL.ownerOnly.allowsPost(by: nil, owner: "alice"))
    }

    @Test("negative entries take rights away, whatever the order")
    func negative() {
        let acl = FolderACL.parse("-user=eve p\nanyone lrp\n")
        #expect(acl.allowsPost(by: "bob", owner: "alice"))
        #expect(!acl.allowsPost(by: "eve", owner: "alice"))
        #expect(acl.grantsPostToSomeone)
        #expect(!FolderACL.parse("anyone lr\n-anyone p\n").grantsPostToSomeone)
    }

    @Test("the store reads the folder's file, and defaults to owner-only without one")
    func fromDisk() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        let open = MailboxTarget(alice, folder: try folder("Open"))
        let closed = MailboxTarget(alice, folder: try folder("Closed"))
        try store.createMailbox(alice, folders: [try folder("Open"), try folder("Closed")], quota: nil)
        try "anyone p\n".write(toFile: try #require(store.directory(of: open)) + "/dovecot-acl", atomically: true, encoding: .utf8)
        #expect(store.acl(of: open).allowsPost(by: nil, owner: "alice"))
        #expect(store.acl(of: closed) == .ownerOnly)
    }
}
