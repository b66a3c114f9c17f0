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
/// One row per key: `state` 0 is a *claim* (a process is delivering that message to that
/// mailbox now), 1 a finished delivery. A delivery claims its keys first (`claim`, one
/// transaction for all keys of a message), stores the message only for keys it claimed, then
/// records the outcome (`complete` or `release`, one transaction). So of two processes
/// delivering the same message to the same mailbox at once, exactly one stores it; the other
/// sees `inProgress`, waits, and then finds it `delivered`. A crash between storing and
/// `complete` leaves a claim whose process is gone: the next delivery takes it over and stores
/// the message again (a duplicate, never a loss).
///
/// Statements are prepared once per store. Thread-safe (one connection, locked).
public final class DuplicateStore: DuplicateDatabase {
    /// Tuning; the defaults suit lmtpd.
    public struct Options: Sendable {
        /// Milliseconds to wait for another process's transaction before failing.
        public var busyTimeout: Int32 = 5000
        /// A claim older than this (seconds) is abandoned even if its process seems alive.
        public var staleClaimAge: Int = 600
        /// Records older than this (seconds) are deleted; 0 keeps them forever.
        public var maximumAge: Int = 3 * 86400
        /// Old records are deleted at most this often (seconds), by whichever process is due.
        public var expiryInterval: Int = 3600
        /// The process id recorded with claims; nil: this process (tests simulate others).
        var claimOwner: Int32?

        public init() {}
    }

    /// The database file.
    public let path: String
    public let options: Options
    /// Marks this store's claims (with the process id), so another store never mistakes them.
    private let token: Int64
    let state: Mutex<Statements>

    /// Opens (creating when needed) the database at `path` and expires old records if due.
    public init(path: String, options: Options = Options()) throws(DuplicateStoreError) {
        self.path = path
        self.options = options
        self.token = Int64.random(in: 1...Int64.max)
        let connection = try SQLiteConnection(path: path, busyTimeout: options.busyTimeout)
        try Schema.install(on: connection)
        state = Mutex(try Statements(connection))
        _ = try expireIfDue(now: Self.now())
    }

    /// Claims every key in one transaction; one outcome per key, in order.
    public func claim(_ keys: [DuplicateKey], now: Int?) throws(DuplicateStoreError) -> [ClaimOutcome] {
        let time = Int64(now ?? Self.now())
        let pid = Int64(options.claimOwner ?? getpid())
        let token = self.token
        let staleBefore = time - Int64(options.staleClaimAge)
        return try state.withLock { (statements) throws(DuplicateStoreError) -> [ClaimOutcome] in
            try statements.transaction { () throws(DuplicateStoreError) -> [ClaimOutcome] in
                var outcomes: [ClaimOutcome] = []
                for key in keys {
                    try statements.insertClaim.run(Self.values(key) + [.integer(pid), .integer(token), .integer(time)])
                    if statements.connection.changes == 1 {
                        outcomes.append(.claimed)
                        continue
                    }
                    var found: (state: Int64, pid: Int64, token: Int64, mtime: Int64)?
                    try statements.select.run(Self.values(key)) { row in
                        found = (row.integer(0), row.integer(1), row.integer(2), row.integer(3))
                    }
                    guard let found else {
                        outcomes.append(.inProgress)
                        continue
                    }
                    if found.state != 0 {
                        outcomes.append(.delivered)
                    } else if found.token == token || found.mtime < staleBefore || !Self.isAlive(found.pid) {
                        try statements.takeOver.run([.integer(pid), .integer(token), .integer(time)] + Self.values(key))
                        outcomes.append(.claimed)
                    } else {
                        outcomes.append(.inProgress)
                    }
                }
                return outcomes
            }
        }
    }

    /// Records `delivered` keys as delivered and drops this store's claims on `failed` ones,
    /// in one transaction. Every few hundred completions, old records are expired.
    public func finish(delivered: [DuplicateKey], failed: [DuplicateKey], now: Int?) throws(DuplicateStoreError) {
        guard !delivered.isEmpty || !failed.isEmpty else { return }
        let time = Int64(now ?? Self.now())
        let token = self.token
        let expiryDue = try state.withLock { (statements) throws(DuplicateStoreError) -> Bool in
            try statements.transaction { () throws(DuplicateStoreError) in
                for key in delivered {
                    try statements.complete.run(Self.values(key) + [.integer(time)])
                }
                for key in failed {
                    try statements.release.run(Self.values(key) + [.integer(token)])
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

    /// Whether a process with this id exists (a claim of a vanished process is abandoned).
    static func isAlive(_ pid: Int64) -> Bool {
        guard pid > 0, pid <= Int64(Int32.max) else { return false }
        return kill(pid_t(pid), 0) == 0 || errno == EPERM
    }
}
