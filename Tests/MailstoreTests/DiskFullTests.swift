import Foundation
import Glibc
import Testing
@testable import Mailstore

/// Full disks and second filesystems, on tiny tmpfs mounts (we run as root). Where mounting is
/// not permitted, the spool test falls back to RLIMIT_FSIZE (EFBIG) and the cross-filesystem
/// tests are skipped.
@Suite("Disk full and cross-filesystem delivery", .serialized)
struct DiskFullTests {
    @Test("a spool write on a full disk gives storageFull, removes the tmp file, leaves new/ empty")
    func spoolOnFullDisk() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        let dir = scratch.root + "/alice"
        let mounted = canMountTmpfs && scratch.mountTmpfs(at: dir, size: "64k")
        try store.createMailbox(alice)
        let spool = try store.openSpool(in: alice)
        #expect(scratch.list(dir + "/tmp").count == 1)
        let big = message(1 << 20)
        let error: StoreError?
        if mounted {
            error = catching { try write(big, to: spool) }
        } else {
            error = withFileSizeLimit(256 * 1024) { catching { try write(big, to: spool) } }
        }
        #expect(error == .storageFull)
        #expect(scratch.list(dir + "/tmp").isEmpty)
        #expect(scratch.list(dir + "/new").isEmpty)
        #expect(throws: StoreError.storageFull) { try write(message(1), to: spool) }
        #expect(store.deliver(spool, to: [alice]) == [.failure(.storageFull)])
        #expect(scratch.list(dir + "/new").isEmpty)
    }

    @Test("small buffered writes that fill the disk fail the same way",
          .enabled(if: canMountTmpfs))
    func bufferedWritesOnFullDisk() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice")
        let dir = scratch.root + "/alice"
        #expect(scratch.mountTmpfs(at: dir, size: "64k"))
        try store.createMailbox(alice)
        let spool = try store.openSpool(in: alice)
        let line = message(1000)
        var failure: StoreError?
        for _ in 0..<200 where failure == nil {
            failure = catching { try write(line, to: spool) }
        }
        #expect(failure == .storageFull)
        #expect(scratch.list(dir + "/tmp").isEmpty)
        #expect(scratch.list(dir + "/new").isEmpty)
    }

    @Test("another filesystem gets a copy (no hard link), fsynced and byte-identical",
          .enabled(if: canMountTmpfs))
    func crossFilesystemCopy() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice"), bob = try address("bob")
        #expect(scratch.mountTmpfs(at: scratch.root + "/bob", size: "1m"))
        try store.createMailbox(alice)
        try store.createMailbox(bob)
        let bytes = message(150_000)
        let results = try deliver(bytes, via: store, spoolIn: alice, to: [alice, bob])
        let toAlice = try results[0].get(), toBob = try results[1].get()
        #expect(toAlice.hardLinked)
        #expect(!toBob.hardLinked)
        #expect(contents(toAlice.path) == bytes)
        #expect(contents(toBob.path) == bytes)
        #expect(fileInfo(toBob.path)?.st_nlink == 1)
        #expect(recordedSize(String(toBob.path.split(separator: "/").last ?? "")) == bytes.count)
        #expect(scratch.list(scratch.root + "/bob/tmp").isEmpty)
        #expect(scratch.list(scratch.root + "/alice/tmp").isEmpty)
    }

    @Test("a full disk under one recipient fails that recipient alone; its tmp/ and new/ stay clean",
          .enabled(if: canMountTmpfs))
    func fullRecipientFailsAlone() throws {
        let scratch = try Scratch()
        let store = scratch.store()
        let alice = try address("alice"), bob = try address("bob"), carol = try address("carol")
        #expect(scratch.mountTmpfs(at: scratch.root + "/bob", size: "64k"))
        for mailbox in [alice, bob, carol] { try store.createMailbox(mailbox) }
        let bytes = message(200_000)
        let results = try deliver(bytes, via: store, spoolIn: alice, to: [alice, bob, carol])
        #expect(contents(try results[0].get().path) == bytes)
        #expect(results[1] == .failure(.storageFull))
        #expect(contents(try results[2].get().path) == bytes)
        #expect(scratch.list(scratch.root + "/bob/tmp").isEmpty)
        #expect(scratch.list(scratch.root + "/bob/new").isEmpty)
        #expect(scratch.list(scratch.root + "/alice/tmp").isEmpty)
    }

    /// The error `body` throws, or nil.
    func catching(_ body: () throws -> Void) -> StoreError? {
        do { try body() } catch { return error as? StoreError }
        return nil
    }

    /// Runs `body` with RLIMIT_FSIZE lowered and SIGXFSZ ignored (writes past the limit fail
    /// with EFBIG instead of killing the process), then restores both.
    func withFileSizeLimit<T>(_ bytes: Int, _ body: () -> T) -> T {
        let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
        var saved = rlimit()
        getrlimit(resource, &saved)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var limited = saved
        limited.rlim_cur = rlim_t(bytes)
        setrlimit(resource, &limited)
        defer {
            setrlimit(resource, &saved)
            signal(SIGXFSZ, previousHandler)
        }
        return body()
    }
}
