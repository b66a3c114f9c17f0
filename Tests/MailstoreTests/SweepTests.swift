import Foundation
import Glibc
import Testing
@testable import Mailstore

@Suite("Stale tmp/ files are swept, never delivered")
struct SweepTests {
    /// Creates `tmp/<name>` with its access and modification times `age` seconds in the past.
    func makeTemporary(_ dir: String, _ name: String, age: Int) throws {
        let path = dir + "/tmp/" + name
        #expect(FileManager.default.createFile(atPath: path, contents: Data("partial".utf8)))
        let past = timespec(tv_sec: time(nil) - age, tv_nsec: 0)
        let times = [past, past]
        #expect(utimensat(AT_FDCWD, path, times, 0) == 0)
    }

    @Test("only files untouched for 36 hours are removed, and none reaches new/")
    func sweepRemovesOnlyOld() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let dir = try #require(store.maildirPath(for: alice))
        try makeTemporary(dir, "old-1", age: 40 * 3600)
        try makeTemporary(dir, "old-2", age: 37 * 3600)
        try makeTemporary(dir, "recent", age: 35 * 3600)
        try makeTemporary(dir, "fresh", age: 0)
        #expect(mkdir(dir + "/tmp/subdir", 0o700) == 0)
        #expect(store.sweepStaleTemporaryFiles(in: alice) == 2)
        #expect(scratch.list(dir + "/tmp") == ["fresh", "recent", "subdir"])
        #expect(scratch.list(dir + "/new").isEmpty)
        #expect(scratch.list(dir + "/cur").isEmpty)
    }

    @Test("a custom age applies")
    func customAge() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        try store.createMailbox(alice)
        let dir = try #require(store.maildirPath(for: alice))
        try makeTemporary(dir, "ten-minutes", age: 600)
        try makeTemporary(dir, "now", age: 0)
        #expect(store.sweepStaleTemporaryFiles(in: alice, olderThan: 300) == 1)
        #expect(scratch.list(dir + "/tmp") == ["now"])
    }

    @Test("the first spool opened in a Maildir sweeps its tmp/ automatically")
    func sweepOnFirstSpool() throws {
        let scratch = try Scratch()
        let setup = scratch.store()
        let alice = try address("alice")
        try setup.createMailbox(alice)
        let dir = try #require(setup.maildirPath(for: alice))
        try makeTemporary(dir, "1.M1P1Q1.crashed", age: 48 * 3600)
        let store = scratch.store()
        let spool = try store.openSpool(in: alice)
        #expect(scratch.list(dir + "/tmp") == [String(spool.path.split(separator: "/").last ?? "")])
        let results = store.deliver(spool, to: [alice])
        #expect(contents(try results[0].get().path) == [])
        #expect(scratch.list(dir + "/new").count == 1)
        #expect(scratch.list(dir + "/tmp").isEmpty)
        // Later spools in the same process do not rescan: a newly stale file waits its turn.
        try makeTemporary(dir, "2.M1P1Q1.crashed", age: 48 * 3600)
        store.discard(try store.openSpool(in: alice))
        #expect(scratch.list(dir + "/tmp") == ["2.M1P1Q1.crashed"])
    }

    @Test("sweeping a missing mailbox removes nothing and creates nothing")
    func sweepMissing() throws {
        let scratch = try Scratch()
        #expect(scratch.store().sweepStaleTemporaryFiles(in: try address("ghost")) == 0)
        #expect(scratch.list(scratch.root).isEmpty)
    }
}
