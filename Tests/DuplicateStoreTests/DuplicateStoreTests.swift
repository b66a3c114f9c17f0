import Foundation
import Glibc
import Postgres
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

@Suite("Duplicate-delivery database", .sharedPostgres)
struct DuplicateStoreTests {
    @Test("a claimed and finished key is delivered; the same message again is suppressed", arguments: Engine.allCases)
    func claimThenSuppress(_ engine: Engine) throws {
        let database = try StoreFixture(engine)
        let store = try database.open()
        #expect(try store.claim([key("<a@x>")]) == [.claimed])
        #expect(try !store.isDelivered(key("<a@x>")))
        try store.finish(delivered: [key("<a@x>")], failed: [])
        #expect(try store.isDelivered(key("<a@x>")))
        #expect(try store.claim([key("<a@x>")]) == [.delivered])
        // Reopened (another lmtpd, a restart): still recorded.
        let again = try database.open()
        #expect(try again.claim([key("<a@x>")]) == [.delivered])
    }

    @Test("another mailbox or another Date is a different key", arguments: Engine.allCases)
    func keyParts(_ engine: Engine) throws {
        let store = try StoreFixture(engine).open()
        _ = try store.claim([key("<a@x>")])
        try store.finish(delivered: [key("<a@x>")], failed: [])
        #expect(try store.claim([key("<a@x>", "bob"), key("<a@x>", date: "other"), key("<a@x>", "alice/.Lists")])
                == [.claimed, .claimed, .claimed])
    }

    @Test("a released claim (delivery failed) can be claimed again", arguments: Engine.allCases)
    func release(_ engine: Engine) throws {
        let database = try StoreFixture(engine)
        let first = try database.open()
        let second = try database.open()
        #expect(try first.claim([key("<r@x>")]) == [.claimed])
        #expect(try second.claim([key("<r@x>")]) == [.inProgress])
        try first.finish(delivered: [], failed: [key("<r@x>")])
        #expect(try second.claim([key("<r@x>")]) == [.claimed])
    }

    @Test("PostgreSQL: a claim left by a dead process or older than the stale age is taken over")
    func staleClaims() throws {
        let database = try StoreFixture(.postgresql)
        let holder = try database.open()
        let other = try database.open()
        let now = Int(time(nil))
        #expect(try holder.claim([key("<s@x>")], now: now) == [.claimed])
        #expect(try other.claim([key("<s@x>")], now: now + 60) == [.inProgress])
        #expect(try other.claim([key("<s@x>")], now: now + 601) == [.claimed])

        // A claim whose process has exited (its pid no longer exists).
        let orphan = try database.open(StoreOptions(claimOwner: deadProcessID()))
        #expect(try orphan.claim([key("<dead@x>")]) == [.claimed])
        #expect(try other.claim([key("<dead@x>")]) == [.claimed])
    }

    @Test("SQLite: a claim lasts as long as its holder, however old, and is free the moment the holder is gone")
    func claimsAreLocks() throws {
        let database = try StoreFixture(.sqlite)
        var holder: (any DuplicateDatabase)? = try database.open()
        let other = try database.open()
        let now = Int(time(nil))
        #expect(try holder?.claim([key("<s@x>")], now: now) == [.claimed])
        #expect(try other.claim([key("<s@x>")], now: now + 86400) == [.inProgress])
        // Its open file closed, as when its process exits or is killed: nothing left behind,
        // and nothing was recorded, so the message is stored again (a duplicate, never a loss).
        holder = nil
        #expect(try other.claim([key("<s@x>")]) == [.claimed])
        #expect(try !other.isDelivered(key("<s@x>")))
    }

    @Test("SQLite: two keys in one lock bucket make one wait, never both stored or one lost")
    func sharedBucket() throws {
        // Pairs of different keys whose claims take the same lock.
        var seen: [Int64: DuplicateKey] = [:]
        var pairs: [(DuplicateKey, DuplicateKey)] = []
        for index in 0..<400_000 where pairs.count < 2 {
            let candidate = key("<b\(index)@x>")
            let bucket = ClaimLocks.bucket(candidate)
            if let earlier = seen.removeValue(forKey: bucket) {
                pairs.append((earlier, candidate))
            } else {
                seen[bucket] = candidate
            }
        }
        try #require(pairs.count == 2)
        let database = try StoreFixture(.sqlite)
        let first = try database.open()
        let second = try database.open()

        let (a, b) = pairs[0]
        #expect(try first.claim([a]) == [.claimed])
        #expect(try second.claim([b]) == [.inProgress], "the bucket is taken")
        try first.finish(delivered: [a], failed: [])
        #expect(try second.claim([b]) == [.claimed])
        try second.finish(delivered: [b], failed: [])
        #expect(try first.claim([a, b]) == [.delivered, .delivered])

        // Both keys of one message in one bucket: both claimed, and the lock is held until
        // the last of them is finished.
        let (c, d) = pairs[1]
        #expect(try first.claim([c, d]) == [.claimed, .claimed])
        try first.finish(delivered: [c], failed: [])
        #expect(try second.claim([d]) == [.inProgress])
        try first.finish(delivered: [], failed: [d])
        #expect(try second.claim([c, d]) == [.delivered, .claimed])
    }

    @Test("records older than the maximum age are expired, younger ones kept", arguments: Engine.allCases)
    func expiry(_ engine: Engine) throws {
        let store = try StoreFixture(engine).open(StoreOptions(maximumAge: 3 * 86400))
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

    @Test("many connections claiming the same keys at once: each key is claimed exactly once", arguments: Engine.allCases)
    func concurrentClaims(_ engine: Engine) throws {
        let database = try StoreFixture(engine)
        _ = try database.open().isDelivered(key("<none@x>"))
        let keys = (0..<40).map { key("<m\($0)@x>") }
        let claimedCount = Mutex<[DuplicateKey: Int]>([:])
        let failures = Mutex<[String]>([])
        runThreads(6) {
            do {
                let store = try database.open()
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

    @Test("PostgreSQL: a claim of another host is not checked for its process, only taken over once stale")
    func otherHostsClaims() throws {
        let database = try StoreFixture(.postgresql)
        let elsewhere = try database.open(StoreOptions(claimOwner: deadProcessID(), hostName: "mx2.example"))
        let here = try database.open()
        let now = Int(time(nil))
        #expect(try elsewhere.claim([key("<far@x>")], now: now) == [.claimed])
        #expect(try here.claim([key("<far@x>")], now: now + 60) == [.inProgress], "its pid means nothing on this host")
        #expect(try here.claim([key("<far@x>")], now: now + 601) == [.claimed])
        try here.finish(delivered: [key("<far@x>")], failed: [], now: now + 602)
        #expect(try elsewhere.claim([key("<far@x>")], now: now + 603) == [.delivered])
    }

    @Test("PostgreSQL: a server that cannot be reached is an error marked unreachable, never a verdict")
    func unreachableServer() throws {
        let store = PostgresDuplicateStore(settings: PostgresSettings(hostnames: "127.0.0.1:1", database: nil, user: nil, password: nil, useSSL: false))
        do throws(DuplicateStoreError) {
            _ = try store.claim([key("<u@x>")])
            Issue.record("a claim succeeded without a server")
        } catch {
            #expect(error.isUnreachable && error.engine == .postgresql, "\(error)")
        }
        #expect(throws: DuplicateStoreError.self) { try store.finish(delivered: [key("<u@x>")], failed: []) }
    }

    @Test("SQLite: the write-ahead log is checkpointed and started over, so it stays small however many messages")
    func logStaysSmall() throws {
        let database = try StoreFixture(.sqlite)
        var options = DuplicateStore.Options()
        options.checkpointInterval = 0
        let stores = try (0..<2).map { _ in try DuplicateStore(path: database.path, options: options) }
        // 6,000 messages, one write each (about 5 log frames of 1 KB), the two stores taking
        // turns as two lmtpd processes would: about 30 MB of log without checkpoints.
        for index in 0..<6000 {
            let store = stores[index % 2]
            let message = key("<log\(index)@x>")
            #expect(try store.claim([message]) == [.claimed])
            try store.finish(delivered: [message], failed: [])
        }
        let log = try FileManager.default.attributesOfItem(atPath: database.path + "-wal")[.size] as? Int ?? 0
        #expect(log < 4 << 20, "\(log) bytes of log")
        #expect(try stores[0].claim([key("<log0@x>"), key("<log5999@x>")]) == [.delivered, .delivered])
    }

    @Test("the database is SQLite in WAL mode")
    func walMode() throws {
        let database = try StoreFixture(.sqlite)
        _ = try database.open().claim([key("<w@x>")])
        let header = try #require(FileManager.default.contents(atPath: database.path))
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
