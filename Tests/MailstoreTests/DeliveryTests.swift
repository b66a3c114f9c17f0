import Foundation
import Glibc
import Testing
@testable import Mailstore

@Suite("Delivery into Maildirs")
struct DeliveryTests {
    @Test("createMailbox makes cur/new/tmp with mode 0700, and is idempotent")
    func createMailbox() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        #expect(!store.mailboxExists(alice))
        try store.createMailbox(alice)
        try store.createMailbox(alice)
        #expect(store.mailboxExists(alice))
        let path = try #require(store.maildirPath(for: alice))
        #expect(path == scratch.root + "/alice")
        #expect(scratch.list(path) == ["cur", "new", "tmp"])
        let info = try #require(fileInfo(path + "/new"))
        #expect(info.st_mode & 0o777 == 0o700)
    }

    @Test("createMailbox creates missing parents, a Maildir with one subdirectory missing does not exist")
    func createNestedAndPartial() throws {
        let scratch = try Scratch()
        let store = scratch.store(template: "%d/%n")
        let bob = try address("bob", "example.org")
        try store.createMailbox(bob)
        #expect(scratch.list(scratch.root + "/example.org/bob") == ["cur", "new", "tmp"])
        #expect(rmdir(scratch.root + "/example.org/bob/cur") == 0)
        #expect(!store.mailboxExists(bob))
    }

    @Test("one recipient: the stored file holds exactly the written bytes, in new/ only")
    func deliverOne() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let bytes = message(1234)
        let results = try deliver(bytes, via: store, spoolIn: alice, to: [alice])
        let delivered = try #require(try results.first?.get())
        #expect(results.count == 1)
        #expect(contents(delivered.path) == bytes)
        #expect(delivered.size == 1234)
        let dir = try #require(store.maildirPath(for: alice))
        #expect(scratch.list(dir + "/new") == [String(delivered.path.split(separator: "/").last ?? "")])
        #expect(scratch.list(dir + "/tmp").isEmpty)
        #expect(scratch.list(dir + "/cur").isEmpty)
    }

    @Test("S= in every name equals the exact file size", arguments: [0, 1, 65535, 65536, 65537, 300_001])
    func sizeField(size: Int) throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let results = try deliver(message(size), via: store, spoolIn: alice, to: [alice])
        let delivered = try results[0].get()
        let name = String(delivered.path.split(separator: "/").last ?? "")
        let info = try #require(fileInfo(delivered.path))
        #expect(recordedSize(name) == size)
        #expect(Int(info.st_size) == size)
        #expect(name.hasSuffix(".test.example,S=\(size)"))
    }

    @Test("many small writes and large ones mixed are stored byte for byte")
    func bufferedWrites() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let spool = try store.openSpool(in: alice)
        var expected: [UInt8] = []
        for (index, count) in [1, 65535, 1, 65536, 3, 200_000, 7, 0, 131_072, 5].enumerated() {
            let piece = message(count, seed: UInt8(index))
            try write(piece, to: spool)
            expected += piece
        }
        #expect(spool.size == expected.count)
        let results = store.deliver(spool, to: [alice])
        #expect(contents(try results[0].get().path) == expected)
    }

    @Test("three recipients: one inode hard-linked three times, tmp/ emptied")
    func deliverThree() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let people = try ["alice", "bob", "carol"].map { try address($0) }
        for person in people { try store.createMailbox(person) }
        let bytes = message(5000)
        let results = try deliver(bytes, via: store, spoolIn: people[0], to: people)
        let delivered = try results.map { try $0.get() }
        #expect(delivered.map(\.mailbox) == people)
        var inodes = Set<UInt>()
        for item in delivered {
            #expect(contents(item.path) == bytes)
            #expect(item.hardLinked)
            let info = try #require(fileInfo(item.path))
            #expect(info.st_nlink == 3)
            inodes.insert(UInt(info.st_ino))
        }
        #expect(inodes.count == 1)
        for person in people {
            let dir = try #require(store.maildirPath(for: person))
            #expect(scratch.list(dir + "/new").count == 1)
            #expect(scratch.list(dir + "/tmp").isEmpty)
            #expect(scratch.list(dir + "/cur").isEmpty)
        }
    }

    @Test("names stay unique over 1,000 deliveries and 1,000 copies in one delivery")
    func uniqueNames() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        var paths = Set<String>()
        for index in 0..<1000 {
            let results = try deliver(message(64, seed: UInt8(index % 256)), via: store, spoolIn: alice, to: [alice])
            paths.insert(try results[0].get().path)
        }
        let burst = try deliver(message(10), via: store, spoolIn: alice, to: Array(repeating: alice, count: 1000))
        for result in burst { paths.insert(try result.get().path) }
        let dir = try #require(store.maildirPath(for: alice))
        #expect(paths.count == 2000)
        #expect(scratch.list(dir + "/new").count == 2000)
        #expect(scratch.list(dir + "/tmp").isEmpty)
    }

    @Test("a missing mailbox fails alone; the others are delivered")
    func missingMailbox() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice"), ghost = try address("ghost"), bob = try address("bob")
        try store.createMailbox(alice)
        try store.createMailbox(bob)
        let results = try deliver(message(100), via: store, spoolIn: alice, to: [alice, ghost, bob])
        #expect(results.count == 3)
        #expect((try? results[0].get()) != nil)
        #expect(results[1] == .failure(.mailboxMissing))
        #expect((try? results[2].get()) != nil)
        #expect(scratch.list(scratch.root) == ["alice", "bob"])
    }

    @Test("a broken mailbox (new/ is a regular file) fails alone with an I/O error")
    func brokenNewDirectory() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice"), broken = try address("broken"), bob = try address("bob")
        for mailbox in [alice, broken, bob] { try store.createMailbox(mailbox) }
        let brokenDir = try #require(store.maildirPath(for: broken))
        #expect(rmdir(brokenDir + "/new") == 0)
        #expect(FileManager.default.createFile(atPath: brokenDir + "/new", contents: Data()))
        let results = try deliver(message(100), via: store, spoolIn: alice, to: [alice, broken, bob])
        #expect((try? results[0].get()) != nil)
        #expect((try? results[2].get()) != nil)
        guard case .failure(.io(_, let code, let text)) = results[1] else {
            Issue.record("expected an I/O error, got \(results[1])")
            return
        }
        #expect(code == ENOTDIR)
        #expect(text == String(cString: strerror(ENOTDIR)))
        #expect(fileInfo(brokenDir + "/new")?.st_size == 0)
        #expect(scratch.list(brokenDir + "/tmp").isEmpty)
    }

    @Test("opening a spool in a missing mailbox reports it missing and creates nothing")
    func spoolInMissingMailbox() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        #expect(throws: StoreError.mailboxMissing) { try store.openSpool(in: try address("ghost")) }
        #expect(scratch.list(scratch.root).isEmpty)
    }

    @Test("an interrupted delivery (spool written, deliver never called) leaves new/ empty")
    func interruptedDelivery() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let dir = try #require(store.maildirPath(for: alice))
        do {
            let spool = try store.openSpool(in: alice)
            try write(message(100_000), to: spool)
            #expect(scratch.list(dir + "/new").isEmpty)
            #expect(scratch.list(dir + "/tmp").count == 1)
            // The spool is dropped here without deliver(): the message is abandoned.
        }
        #expect(scratch.list(dir + "/new").isEmpty)
        #expect(scratch.list(dir + "/tmp").isEmpty)
        // A later store (another process) never delivers a leftover tmp/ file either.
        let leftover = dir + "/tmp/1.M1P1Q1.crashed"
        #expect(FileManager.default.createFile(atPath: leftover, contents: Data(message(50))))
        let results = try deliver(message(10), via: scratch.store(), spoolIn: alice, to: [alice])
        #expect(scratch.list(dir + "/new").count == 1)
        #expect(contents(try results[0].get().path) == message(10))
        #expect(scratch.list(dir + "/tmp") == ["1.M1P1Q1.crashed"])
    }

    @Test("discard leaves tmp/ and new/ empty, and a consumed spool cannot be delivered")
    func discard() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let dir = try #require(store.maildirPath(for: alice))
        let spool = try store.openSpool(in: alice)
        try write(message(70_000), to: spool)
        store.discard(spool)
        #expect(scratch.list(dir + "/tmp").isEmpty)
        #expect(scratch.list(dir + "/new").isEmpty)
        let results = store.deliver(spool, to: [alice])
        guard case .failure(.io(_, let code, _)) = results[0] else {
            Issue.record("delivering a discarded spool must fail, got \(results[0])")
            return
        }
        #expect(code == EBADF)
        #expect(throws: StoreError.self) { try write(message(1), to: spool) }
        #expect(scratch.list(dir + "/new").isEmpty)
    }

    @Test("spool files are private (0600) and deliveries in new/ keep the content private")
    func permissions() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let spool = try store.openSpool(in: alice)
        #expect(fileInfo(spool.path).map { $0.st_mode & 0o777 } == 0o600)
        let results = store.deliver(spool, to: [alice])
        #expect(fileInfo(try results[0].get().path).map { $0.st_mode & 0o777 } == 0o600)
    }

    @Test("a filter reads back exactly what was written, from the buffer or the file, and the delivery is unchanged",
          arguments: [0, 4096, 65535, 65536, 200_000])
    func contentsBeforeDelivery(size: Int) throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let bytes = message(size)
        let spool = try store.openSpool(in: alice)
        // Written in uneven pieces, as a session writes lines.
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + 1000 + offset % 77)
            try bytes[offset..<end].withUnsafeBytes { try spool.write($0) }
            offset = end
        }
        #expect(try spool.contents(limit: size) == bytes)
        if size > 0 { #expect(try spool.contents(limit: size - 1) == nil) }
        let delivered = try store.deliver(spool, to: [alice])[0].get()
        #expect(contents(delivered.path) == bytes)
        #expect(delivered.size == size)
    }
}
