import Foundation
import Glibc
import Testing
@testable import Mailstore

/// Shorthand for a folder that must parse (separator `/`).
func folder(_ name: String) throws -> FolderName {
    try #require(try FolderName.parse(name, separator: .slash))
}

@Suite("Maildir++ folders on disk")
struct FolderStoreTests {
    @Test("createFolder makes .Name with cur/new/tmp and an empty maildirfolder marker")
    func createLayout() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let target = MailboxTarget(alice, folder: try folder("Lists/Café"))
        #expect(!store.targetExists(target))
        try store.createFolder(target)
        try store.createFolder(target)
        #expect(store.targetExists(target))
        let path = scratch.root + "/alice/.Lists.Caf&AOk-"
        #expect(store.directory(of: target) == path)
        #expect(scratch.list(path) == ["cur", "maildirfolder", "new", "tmp"])
        #expect(fileInfo(path + "/maildirfolder")?.st_size == 0)
        #expect(fileInfo(path + "/new").map { $0.st_mode & 0o777 } == 0o700)
        #expect(scratch.list(scratch.root + "/alice") == [".Lists.Caf&AOk-", "cur", "new", "tmp"])
    }

    @Test("a folder cannot be created in a Maildir that does not exist")
    func folderNeedsMaildir() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let target = MailboxTarget(try address("ghost"), folder: try folder("Sent"))
        #expect(throws: StoreError.mailboxMissing) { try store.createFolder(target) }
        #expect(scratch.list(scratch.root).isEmpty)
    }

    @Test("a message delivered to a folder lands in that folder's new/, hard-linked with the INBOX copy")
    func deliverToFolder() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let lists = MailboxTarget(alice, folder: try folder("Lists"))
        try store.createFolder(lists)
        let spool = try store.openSpool(in: alice)
        try write(message(500), to: spool)
        let results = store.deliver(spool, to: [lists, MailboxTarget(alice)])
        let inFolder = try results[0].get()
        let inInbox = try results[1].get()
        #expect(inFolder.folder == lists.folder)
        #expect(inFolder.path.hasPrefix(scratch.root + "/alice/.Lists/new/"))
        #expect(inInbox.path.hasPrefix(scratch.root + "/alice/new/"))
        #expect(contents(inFolder.path) == message(500))
        #expect(fileInfo(inFolder.path)?.st_nlink == 2)
        #expect(scratch.list(scratch.root + "/alice/tmp").isEmpty)
    }

    @Test("folders(of:) lists the Maildir++ folders, skipping files and non-folder dot entries")
    func listing() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice, folders: [try folder("Sent"), try folder("Lists/swift"), try folder("Entwürfe")], quota: nil)
        let root = scratch.root + "/alice"
        #expect(FileManager.default.createFile(atPath: root + "/.notafolder", contents: Data()))
        try FileManager.default.createDirectory(atPath: root + "/.&AGE-/new", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/.halfmade", withIntermediateDirectories: true)
        #expect(store.folders(of: alice).map(\.description) == ["Entwürfe", "Lists/swift", "Sent"])
    }

    @Test("fuzzy match ignores case and treats space, - and _ alike")
    func fuzzy() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice, folders: [try folder("Mailing-Lists"), try folder("Work Stuff")], quota: nil)
        #expect(store.fuzzyMatch(try folder("mailing lists"), in: alice)?.description == "Mailing-Lists")
        #expect(store.fuzzyMatch(try folder("MAILING_LISTS"), in: alice)?.description == "Mailing-Lists")
        #expect(store.fuzzyMatch(try folder("work-stuff"), in: alice)?.description == "Work Stuff")
        #expect(store.fuzzyMatch(try folder("mailinglists"), in: alice) == nil)
        #expect(store.fuzzyMatch(try folder("Other"), in: alice) == nil)
    }

    @Test("fuzzy match takes the deepest existing folder on the wanted path, as Cyrus does")
    func fuzzyDepth() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice, folders: [try folder("Lists"), try folder("Lists/Swift"), try folder("Lists/Other/Deep")], quota: nil)
        #expect(store.fuzzyMatch(try folder("lists/swift/evolution"), in: alice)?.description == "Lists/Swift")
        #expect(store.fuzzyMatch(try folder("lists/other/x"), in: alice)?.description == "Lists")
        #expect(store.fuzzyMatch(try folder("LISTS"), in: alice)?.description == "Lists")
    }

    @Test("hostile folder names never create anything outside the user's Maildir")
    func noEscape() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        for name in ["../../escape", "..", "a/../../b", "x\u{0}y", String(repeating: "z", count: 300), "ok/../..", "a.b"] {
            for separator in [HierarchySeparator.slash, .dot] {
                guard let parsed = try? FolderName.parse(name, separator: separator) else { continue }
                try store.createFolder(MailboxTarget(alice, folder: parsed))
            }
        }
        #expect(scratch.list(scratch.base) == ["root"])
        #expect(scratch.list(scratch.root) == ["alice"])
        for entry in scratch.list(scratch.root + "/alice") where entry.hasPrefix(".") {
            #expect(!entry.contains("/") && entry != "." && entry != "..")
            #expect(FolderName(directoryName: entry) != nil, "\(entry)")
        }
    }

    @Test("createMailbox with folders and a quota writes the layout and maildirsize at once")
    func autocreateLayout() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let carol = try address("carol")
        try store.createMailbox(carol, folders: [try folder("Sent"), try folder("Trash")],
                                quota: QuotaLimits(bytes: 1_048_576, messages: 500))
        let root = scratch.root + "/carol"
        #expect(scratch.list(root) == [".Sent", ".Trash", "cur", "maildirsize", "new", "tmp"])
        #expect(contents(root + "/maildirsize").map { String(decoding: $0, as: UTF8.self) } == "1048576S,500C\n0 0\n")
        #expect(scratch.list(root + "/tmp").isEmpty)
        // Running it again (another lmtpd raced us) keeps the existing quota file.
        try store.recordQuotaUsage(of: carol, bytes: 10, messages: 1)
        try store.createMailbox(carol, folders: [try folder("Sent")], quota: QuotaLimits(bytes: 5))
        #expect(contents(root + "/maildirsize").map { String(decoding: $0, as: UTF8.self) } == "1048576S,500C\n0 0\n10 1\n")
    }

    @Test("without a limit no maildirsize is written")
    func autocreateWithoutQuota() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let dave = try address("dave")
        try store.createMailbox(dave, folders: [], quota: QuotaLimits())
        #expect(scratch.list(scratch.root + "/dave") == ["cur", "new", "tmp"])
        #expect(try store.quota(of: dave) == nil)
    }
}
