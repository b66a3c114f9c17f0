#if canImport(Glibc)
import Glibc
#endif
import Postgres
import Synchronization

/// The duplicate-delivery records in PostgreSQL (`duplicate_db: sql`), shared by the lmtpd
/// processes of several hosts that deliver into the same storage.
///
/// The same rules as the SQLite ``DuplicateStore``, with one statement per claim (an
/// `INSERT ... ON CONFLICT`, atomic in PostgreSQL). Claims carry the host name: a claim of a
/// dead process is taken over at once only when the process was on this host (its pid can be
/// checked); other hosts' claims are taken over once older than `staleClaimAge`.
///
/// The connection is made at the first call, not when the store is made, and made again after
/// an outage; every failure is a ``DuplicateStoreError`` (`isUnreachable` when the server
/// could not be used) for the caller to log and go on without suppression.
public final class PostgresDuplicateStore: DuplicateDatabase {
    /// Tuning; the defaults suit lmtpd.
    public struct Options: Sendable {
        /// A claim older than this (seconds) is abandoned, whoever holds it.
        public var staleClaimAge = 600
        /// Records older than this (seconds) are deleted; 0 keeps them forever.
        public var maximumAge = 3 * 86400
        /// Old records are deleted at most this often (seconds), by whichever process is due.
        public var expiryInterval = 3600
        /// The host name stored with claims; nil: this host's (`gethostname`).
        public var hostName: String?
        /// The process id recorded with claims; nil: this process (tests simulate others).
        public var claimOwner: Int32?

        public init() {}
    }

    public let settings: PostgresSettings
    public let options: Options
    /// This host, as written into claims.
    public let hostName: String
    /// Marks this store's claims, so that another store of the same process never takes them.
    private let token: Int64
    /// Guards `session` (one statement at a time on the one connection).
    private let lock = Mutex(())
    private nonisolated(unsafe) let session: Session

    /// The connection and what this store has done on it.
    final class Session {
        let connection: PostgresConnection
        /// The tables are known to exist (checked once per store).
        var schemaReady = false
        /// Completions since expiry was last considered.
        var completions = 0

        init(_ connection: PostgresConnection) { self.connection = connection }
    }

    /// Does not connect yet: the first call does (and creates the tables when missing).
    public init(settings: PostgresSettings, options: Options = Options()) {
        self.settings = settings
        self.options = options
        self.hostName = options.hostName ?? Self.currentHostName()
        self.token = Int64.random(in: 1...Int64.max)
        session = Session(PostgresConnection(settings: settings))
    }

    public func claim(_ keys: [DuplicateKey], now: Int?) throws(DuplicateStoreError) -> [ClaimOutcome] {
        let time = String(now ?? DuplicateStore.now())
        let pid = String(options.claimOwner ?? getpid())
        let owner: [String?] = [hostName, pid, String(token), time]
        let staleBefore = String((now ?? DuplicateStore.now()) - options.staleClaimAge)
        return try withConnection("claim") { db throws(PostgresError) -> [ClaimOutcome] in
            var outcomes: [ClaimOutcome] = []
            for key in keys {
                let values = PostgresSchema.values(key)
                if try !db.query(PostgresSchema.claim, values + owner + [staleBefore]).rows.isEmpty {
                    outcomes.append(.claimed)
                    continue
                }
                guard let row = try db.query(PostgresSchema.select, values).rows.first, row.count == 4 else {
                    outcomes.append(.inProgress)   // released a moment ago: ask again
                    continue
                }
                if row[0] != "0" {
                    outcomes.append(.delivered)
                } else if row[1] == hostName, let holder = row[2].flatMap({ Int64($0) }), !Self.isAlive(holder),
                          try !db.query(PostgresSchema.takeOver, values + owner + [row[3]]).rows.isEmpty {
                    outcomes.append(.claimed)
                } else {
                    outcomes.append(.inProgress)
                }
            }
            return outcomes
        }
    }

    public func finish(delivered: [DuplicateKey], failed: [DuplicateKey], now: Int?) throws(DuplicateStoreError) {
        guard !delivered.isEmpty || !failed.isEmpty else { return }
        let time = now ?? DuplicateStore.now()
        let token = String(self.token)
        try withConnection("finish") { db throws(PostgresError) in
            try db.transaction { db throws(PostgresError) in
                for key in delivered { try db.query(PostgresSchema.complete, PostgresSchema.values(key) + [String(time)]) }
                for key in failed { try db.query(PostgresSchema.release, PostgresSchema.values(key) + [token]) }
            }
        }
        // Every few hundred completions, old records are expired (if no process did lately).
        let session = self.session
        let due = lock.withLock { _ in
            session.completions += delivered.count
            guard session.completions >= DuplicateStore.completionsPerExpiryCheck else { return false }
            session.completions = 0
            return true
        }
        if due { _ = try expireIfDue(now: time) }
    }

    public func isDelivered(_ key: DuplicateKey) throws(DuplicateStoreError) -> Bool {
        try withConnection("read") { db throws(PostgresError) -> Bool in
            try db.query(PostgresSchema.select, PostgresSchema.values(key)).rows.first?.first == "1"
        }
    }

    @discardableResult
    public func expireIfDue(now: Int?) throws(DuplicateStoreError) -> Int {
        guard options.maximumAge > 0 else { return 0 }
        let time = now ?? DuplicateStore.now()
        return try withConnection("expire") { db throws(PostgresError) -> Int in try expire(on: db, now: time) }
    }

    /// Deletes old records in one transaction, unless another process did within the
    /// expiry interval (the `last_expiry` row, updated first, decides: one process wins).
    private func expire(on db: PostgresConnection, now time: Int) throws(PostgresError) -> Int {
        guard options.maximumAge > 0 else { return 0 }
        let cutoff = String(time - options.maximumAge)
        return try db.transaction { db throws(PostgresError) -> Int in
            let mine = try db.query(PostgresSchema.startExpiry, [String(time), String(time - options.expiryInterval)])
            guard !mine.rows.isEmpty else { return 0 }
            let deliveries = try db.query(PostgresSchema.expireDeliveries, [cutoff]).affectedRows
            return deliveries + (try db.query(PostgresSchema.expireTracking, [String(time)]).affectedRows)
        }
    }

    /// Runs `body` on the connection (made, with the tables, when needed), again when
    /// PostgreSQL rolled it back for a deadlock; PostgreSQL's errors become
    /// ``DuplicateStoreError``s naming `operation`.
    func withConnection<T: Sendable>(_ operation: String, _ body: (PostgresConnection) throws(PostgresError) -> T) throws(DuplicateStoreError) -> T {
        let session = self.session
        let result = lock.withLock { _ -> Result<T, PostgresError> in
            var attempts = 0
            while true {
                do throws(PostgresError) {
                    if !session.schemaReady {
                        // Once per store: the tables, then old records expired if due (as the
                        // SQLite store does when it opens its file).
                        try PostgresSchema.install(on: session.connection)
                        session.schemaReady = true
                        _ = try expire(on: session.connection, now: DuplicateStore.now())
                    }
                    return .success(try body(session.connection))
                } catch {
                    attempts += 1
                    guard PostgresSchema.isTransient(error), attempts < 5 else { return .failure(error) }
                }
            }
        }
        switch result {
        case .success(let value):
            return value
        case .failure(let error):
            throw DuplicateStoreError(operation: "\(operation) (PostgreSQL duplicate database)", code: 0,
                                      message: "\(error)", engine: .postgresql, isUnreachable: error.isConnectionProblem)
        }
    }

    /// This host's name (`gethostname`), as claims record it.
    static func currentHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether a process with this id exists on this host (a claim of a vanished process is
    /// taken over).
    static func isAlive(_ pid: Int64) -> Bool {
        guard pid > 0, pid <= Int64(Int32.max) else { return false }
        return kill(pid_t(pid), 0) == 0 || errno == EPERM
    }
}
