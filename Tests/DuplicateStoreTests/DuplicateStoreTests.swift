import Foundation
import Glibc
import Synchronization
import Testing
@testable import DuplicateStore

/// A scratch directory on the real disk, removed at the end of the test.
final class ScratchDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array("/var/tmp/duplicate-test.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var database: String { path + "/deliver.db" }
}

func key(_ id: String, _ mailbox: String = "alice", date: String = "Tue, 1 Jan 2030 00:00:00 +0000") -> DuplicateKey {
    DuplicateKey(messageID: id, mailbox: mailbox, date: date)
}

@Suite("Duplicate-delivery database")
struct DuplicateStoreTests {
    @Test("a claimed and finished key is delivered; the same message again is suppressed")
    func claimThenSuppress() throws {
        let dir = try ScratchDirectory()
        let store = try DuplicateStore(path: dir.database)
        #expect(try store.claim([key("<a@x>")]) == [.claimed])
        #expect(try !store.isDelivered(key("<a@x>")))
        try store.finish(delivered: [key("<a@x>")], failed: [])
        #expect(try store.isDelivered(key("<a@x>")))
        #expect(try store.claim([key("<a@x>")]) == [.delivered])
        // Reopened (another lmtpd, a restart): still recorded.
        let again = try DuplicateStore(path: dir.database)
        #expect(try again.claim([key("<a@x>")]) == [.delivered])
    }

    @Test("another mailbox or another Date is a different key")
    func keyParts() throws {
        let dir = try ScratchDirectory()
        let store = try DuplicateStore(path: dir.database)
        _ = try store.claim([key("<a@x>")])
        try store.finish(delivered: [key("<a@x>")], failed: [])
        #expect(try store.claim([key("<a@x>", "bob"), key("<a@x>", date: "other"), key("<a@x>", "alice/.Lists")])
                == [.claimed, .claimed, .claimed])
    }

    @Test("a released claim (delivery failed) can be claimed again")
    func release() throws {
        let dir = try ScratchDirectory()
        let first = try DuplicateStore(path: dir.database)
        let second = try DuplicateStore(path: dir.database)
        #expect(try first.claim([key("<r@x>")]) == [.claimed])
        #expect(try second.claim([key("<r@x>")]) == [.inProgress])
        try first.finish(delivered: [], failed: [key("<r@x>")])
        #expect(try second.claim([key("<r@x>")]) == [.claimed])
    }

    @Test("a claim left by a dead process or older than the stale age is taken over")
    func staleClaims() throws {
        let dir = try ScratchDirectory()
        let holder = try DuplicateStore(path: dir.database)
        let other = try DuplicateStore(path: dir.database)
        let now = Int(time(nil))
        #expect(try holder.claim([key("<s@x>")], now: now) == [.claimed])
        #expect(try other.claim([key("<s@x>")], now: now + 60) == [.inProgress])
        #expect(try other.claim([key("<s@x>")], now: now + 601) == [.claimed])

        // A claim whose process has exited (its pid no longer exists).
        var options = DuplicateStore.Options()
        options.claimOwner = deadProcessID()
        let orphan = try DuplicateStore(path: dir.database, options: options)
        #expect(try orphan.claim([key("<dead@x>")]) == [.claimed])
        #expect(try other.claim([key("<dead@x>")]) == [.claimed])
    }

    @Test("records older than the maximum age are expired, younger ones kept")
    func expiry() throws {
        let dir = try ScratchDirectory()
        var options = DuplicateStore.Options()
        options.maximumAge = 3 * 86400
        let store = try DuplicateStore(path: dir.database, options: options)
        let now = Int(time(nil))
        _ = try store.claim([key("<old@x>"), key("<new@x>")], now: now - 4 * 86400)
        try store.finish(delivered: [key("<old@x>")], failed: [], now: now - 4 * 86400)
        try store.finish(delivered: [key("<new@x>")], failed: [], now: now - 2 * 86400)
        #expect(try store.expireIfDue(now: now + 7200) == 1)
        #expect(try !store.isDelivered(key("<old@x>")))
        #expect(try store.isDelivered(key("<new@x>")))
        // Not due again within the expiry interval.
        #expect(try store.expireIfDue(now: now + 7300) == 0)
    }

    @Test("many connections claiming the same keys at once: each key is claimed exactly once")
    func concurrentClaims() throws {
        let dir = try ScratchDirectory()
        _ = try DuplicateStore(path: dir.database)
        let keys = (0..<40).map { key("<m\($0)@x>") }
        let claimedCount = Mutex<[DuplicateKey: Int]>([:])
        let failures = Mutex<[String]>([])
        runThreads(6) {
            do {
                let store = try DuplicateStore(path: dir.database)
                for key in keys.shuffled() {
                    var outcome = try store.claim([key])[0]
                    while outcome == .inProgress {
                        usleep(500)
                        outcome = try store.claim([key])[0]
                    }
                    if outcome == .claimed {
                        claimedCount.withLock { $0[key, default: 0] += 1 }
                        try store.finish(delivered: [key], failed: [])
                    }
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let counts = claimedCount.withLock { $0 }
        #expect(counts.count == keys.count)
        #expect(counts.values.allSatisfy { $0 == 1 })
    }

    @Test("the database is SQLite in WAL mode")
    func walMode() throws {
        let dir = try ScratchDirectory()
        let store = try DuplicateStore(path: dir.database)
        _ = try store.claim([key("<w@x>")])
        let header = try #require(FileManager.default.contents(atPath: dir.database))
        #expect(header.prefix(16) == Data("SQLite format 3\u{0}".utf8))
        #expect(header[18] == 2 && header[19] == 2)
    }
}

/// Runs `body` on `count` threads at once and waits for all.
func runThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
    let group = DispatchGroup()
    for _ in 0..<count {
        group.enter()
        Thread {
            body()
            group.leave()
        }.start()
    }
    group.wait()
}

/// The pid of a process that has exited and been reaped.
func deadProcessID() -> Int32 {
    var pid: pid_t = 0
    var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
    defer { free(argv[0]) }
    guard posix_spawn(&pid, "/bin/true", nil, nil, &argv, environ) == 0 else { return Int32.max }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return pid
}
