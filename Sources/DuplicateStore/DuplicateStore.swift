#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIXCore
import Synchronization

/// Cyrus's duplicate-delivery database (`deliver.db`), kept in SQLite (WAL mode), safe for
/// many lmtpd processes of one host at once (``PostgresDuplicateStore`` serves several hosts).
///
/// One row per delivered key (`state` 1). A delivery claims its keys first: a lock per key
/// (``ClaimLocks``), then one read of the rows; it stores the message only for keys it
/// claimed that are not delivered yet, then records the delivered ones in one transaction and
/// drops its locks. So of two processes delivering the same message to the same mailbox at
/// once, exactly one stores it; the other sees `inProgress`, waits, and then finds it
/// `delivered`. The locks die with their process: a crash between storing and recording
/// leaves nothing behind, and the next delivery stores the message again (a duplicate, never
/// a loss). One write transaction per message, not one per claim and one per outcome.
///
/// Rows with `state` 0 are claims written by earlier releases (which kept claims in the
/// table); they count as not delivered and expire with age.
///
/// Statements are prepared once per store. Thread-safe (one connection, locked).
public final class DuplicateStore: DuplicateDatabase {
    /// Tuning; the defaults suit lmtpd.
    public struct Options: Sendable {
        /// Milliseconds to wait for another process's transaction before failing.
        public var busyTimeout: Int32 = 5000
        /// Records older than this (seconds) are deleted; 0 keeps them forever.
        public var maximumAge: Int = 3 * 86400
        /// Old records are deleted at most this often (seconds), by whichever process is due.
        public var expiryInterval: Int = 3600
        /// Seconds between two checkpoints of the write-ahead log by one store (once it
        /// holds 1,000 frames).
        public var checkpointInterval: Double = 1

        public init() {}
    }

    /// The database file.
    public let path: String
    public let options: Options
    let state: Mutex<Statements>

    /// Opens (creating when needed) the database at `path` and its claims file beside it, and
    /// expires old records if due.
    public init(path: String, options: Options = Options()) throws(DuplicateStoreError) {
        self.path = path
        self.options = options
        let connection = try SQLiteConnection(path: path, busyTimeout: options.busyTimeout)
        try Schema.install(on: connection)
        let statements = try Statements(connection, claims: ClaimLocks(databasePath: path))
        statements.checkpointInterval = options.checkpointInterval
        state = Mutex(statements)
        _ = try expireIfDue(now: Self.now())
    }

    /// Claims every key (their locks, then one read of their rows); one outcome per key, in
    /// order. `now` is not needed: a claim is a lock, not a row.
    public func claim(_ keys: [DuplicateKey], now: Int?) throws(DuplicateStoreError) -> [ClaimOutcome] {
        try state.withLock { (statements) throws(DuplicateStoreError) -> [ClaimOutcome] in
            var outcomes = [ClaimOutcome](repeating: .inProgress, count: keys.count)
            var locked: [Int] = []
            do throws(DuplicateStoreError) {
                for index in keys.indices {
                    if try statements.claims.acquire(keys[index]) { locked.append(index) }
                }
                guard !locked.isEmpty else { return outcomes }
                try statements.reading { () throws(DuplicateStoreError) in
                    for index in locked {
                        var delivered = false
                        try statements.select.run(Self.values(keys[index])) { row in delivered = row.integer(0) != 0 }
                        outcomes[index] = delivered ? .delivered : .claimed
                    }
                }
            } catch {
                for index in locked { statements.claims.release(keys[index]) }
                throw error
            }
            for index in locked where outcomes[index] == .delivered {
                statements.claims.release(keys[index])
            }
            return outcomes
        }
    }

    /// Records `delivered` keys as delivered (one transaction) and drops this store's claims
    /// on them and on `failed` ones. Every few hundred completions, old records are expired.
    public func finish(delivered: [DuplicateKey], failed: [DuplicateKey], now: Int?) throws(DuplicateStoreError) {
        guard !delivered.isEmpty || !failed.isEmpty else { return }
        let time = Int64(now ?? Self.now())
        let expiryDue = try state.withLock { (statements) throws(DuplicateStoreError) -> Bool in
            // Released after the outcome is committed (or has failed): whoever claims next
            // reads it.
            defer {
                for key in delivered { statements.claims.release(key) }
                for key in failed { statements.claims.release(key) }
            }
            guard !delivered.isEmpty else { return false }
            try statements.transaction { () throws(DuplicateStoreError) in
                for key in delivered {
                    try statements.complete.run(Self.values(key) + [.integer(time)])
                }
            }
            statements.completions += delivered.count
            if statements.completions < Self.completionsPerExpiryCheck { return false }
            statements.completions = 0
            return true
        }
        if expiryDue { _ = try expireIfDue(now: Int(time)) }
    }

    /// Whether `key` is recorded as delivered.
    public func isDelivered(_ key: DuplicateKey) throws(DuplicateStoreError) -> Bool {
        try state.withLock { (statements) throws(DuplicateStoreError) -> Bool in
            var delivered = false
            try statements.select.run(Self.values(key)) { row in delivered = row.integer(0) != 0 }
            return delivered
        }
    }

    /// Deletes records (and claims) older than `options.maximumAge`, if no process did so in
    /// the last `options.expiryInterval` seconds. Returns how many were deleted.
    @discardableResult
    public func expireIfDue(now: Int?) throws(DuplicateStoreError) -> Int {
        guard options.maximumAge > 0 else { return 0 }
        let time = Int64(now ?? Self.now())
        let interval = Int64(options.expiryInterval)
        let cutoff = time - Int64(options.maximumAge)
        return try state.withLock { (statements) throws(DuplicateStoreError) -> Int in
            guard try statements.lastExpiry() <= time - interval else { return 0 }
            return try statements.transaction { () throws(DuplicateStoreError) -> Int in
                guard try statements.lastExpiry() <= time - interval else { return 0 }
                try statements.expire.run([.integer(cutoff)])
                var deleted = statements.connection.changes
                try statements.expireTracked.run([.integer(time)])
                deleted += statements.connection.changes
                try statements.setLastExpiry.run([.integer(time)])
                return deleted
            }
        }
    }

    /// Completions between two checks whether expiry is due.
    static let completionsPerExpiryCheck = 256

    static func values(_ key: DuplicateKey) -> [SQLiteStatement.Value] {
        [.text(key.messageID), .text(key.mailbox), .text(key.date)]
    }

    static func now() -> Int { RealtimeClock.now().seconds }
}
