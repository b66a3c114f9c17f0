#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIXCore

/// The database layout:
///
/// ```
/// delivered(message_id, mailbox, date,   -- the key (Cyrus's duplicate key)
///           state,                       -- 1 delivered (0: a claim of an earlier release)
///           owner_pid, owner_token,      -- 0 (who held a claim, in earlier releases)
///           mtime)                       -- unix time of the delivery
/// tracked(key, expires)                  -- Sieve's records (vacation intervals, `duplicate`,
///                                           redirect repeats): seen until `expires`
/// meta(name, value)                      -- 'last_expiry': when records were last expired
/// ```
enum Schema {
    static let statements = """
        PRAGMA page_size = 1024;
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        CREATE TABLE IF NOT EXISTS delivered (
            message_id TEXT NOT NULL,
            mailbox TEXT NOT NULL,
            date TEXT NOT NULL,
            state INTEGER NOT NULL,
            owner_pid INTEGER NOT NULL,
            owner_token INTEGER NOT NULL,
            mtime INTEGER NOT NULL,
            PRIMARY KEY (message_id, mailbox, date)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS delivered_mtime ON delivered (mtime);
        CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS tracked (key TEXT PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS tracked_expires ON tracked (expires);
        """

    /// Creates the tables when missing and switches the file to WAL mode. Another process
    /// doing the same at the same moment can make this fail busy: it is retried for a while.
    static func install(on connection: SQLiteConnection) throws(DuplicateStoreError) {
        var attempts = 0
        while true {
            do throws(DuplicateStoreError) {
                try connection.execute(statements)
                return
            } catch {
                attempts += 1
                guard error.isBusy, attempts < 50 else { throw error }
                sleepUninterrupted(milliseconds: 20)
            }
        }
    }
}

/// The prepared statements of one connection, and the transaction helper.
final class Statements {
    let connection: SQLiteConnection
    /// The locks of the claims this connection's store holds.
    let claims: ClaimLocks
    let begin: SQLiteStatement
    let beginRead: SQLiteStatement
    let commit: SQLiteStatement
    let rollback: SQLiteStatement
    let select: SQLiteStatement
    let complete: SQLiteStatement
    let expire: SQLiteStatement
    let selectLastExpiry: SQLiteStatement
    let setLastExpiry: SQLiteStatement
    let selectTracked: SQLiteStatement
    let upsertTracked: SQLiteStatement
    let deleteTracked: SQLiteStatement
    let expireTracked: SQLiteStatement
    /// Completions since expiry was last considered.
    var completions = 0
    /// When this connection last checkpointed (monotonic seconds).
    private var lastCheckpoint = -Double.infinity
    /// Seconds between two checkpoints of this connection.
    var checkpointInterval: Double = 1

    init(_ connection: SQLiteConnection, claims: ClaimLocks) throws(DuplicateStoreError) {
        self.connection = connection
        self.claims = claims
        begin = try connection.prepare("BEGIN IMMEDIATE")
        beginRead = try connection.prepare("BEGIN")
        commit = try connection.prepare("COMMIT")
        rollback = try connection.prepare("ROLLBACK")
        select = try connection.prepare("""
            SELECT state FROM delivered WHERE message_id = ?1 AND mailbox = ?2 AND date = ?3
            """)
        complete = try connection.prepare("""
            INSERT INTO delivered (message_id, mailbox, date, state, owner_pid, owner_token, mtime)
            VALUES (?1, ?2, ?3, 1, 0, 0, ?4)
            ON CONFLICT DO UPDATE SET state = 1, owner_pid = 0, owner_token = 0, mtime = excluded.mtime
            """)
        expire = try connection.prepare("DELETE FROM delivered WHERE mtime < ?1")
        selectTracked = try connection.prepare("SELECT 1 FROM tracked WHERE key = ?1 AND expires > ?2")
        upsertTracked = try connection.prepare("""
            INSERT INTO tracked (key, expires) VALUES (?1, ?2)
            ON CONFLICT DO UPDATE SET expires = max(expires, excluded.expires)
            """)
        deleteTracked = try connection.prepare("DELETE FROM tracked WHERE key = ?1")
        expireTracked = try connection.prepare("DELETE FROM tracked WHERE expires <= ?1")
        selectLastExpiry = try connection.prepare("SELECT value FROM meta WHERE name = 'last_expiry'")
        setLastExpiry = try connection.prepare("""
            INSERT INTO meta (name, value) VALUES ('last_expiry', ?1)
            ON CONFLICT DO UPDATE SET value = excluded.value
            """)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE` … `COMMIT` (rolled back when it throws), then
    /// checkpoints if due.
    func transaction<T>(_ body: () throws(DuplicateStoreError) -> T) throws(DuplicateStoreError) -> T {
        try begin.run([])
        let result: T
        do throws(DuplicateStoreError) {
            result = try body()
            try commit.run([])
        } catch {
            try? rollback.run([])
            throw error
        }
        checkpointIfDue()
        return result
    }

    /// Log frames past which a commit checkpoints (SQLite's own automatic threshold).
    static let checkpointFrames: Int32 = 1000

    /// Checkpoints once the log holds `checkpointFrames` frames, at most once per
    /// `checkpointInterval` (a second) per connection. SQLite's automatic checkpoint is off (our WAL hook replaces it): it runs after every commit once the
    /// log is past the threshold, and with many lmtpd processes reading at all times the log
    /// seldom starts over, so nearly every commit paid for sorting the whole log and two
    /// `fdatasync`s (one checkpoint per 8 messages measured, instead of one per few hundred).
    /// A checkpoint that meets readers copies what it can; a later one finishes.
    private func checkpointIfDue() {
        guard connection.walFrames >= Self.checkpointFrames else { return }
        let now = MonotonicClock.now()
        guard now - lastCheckpoint >= checkpointInterval else { return }
        lastCheckpoint = now
        connection.checkpoint()
    }

    /// Runs `body` inside one read transaction (one snapshot; no write lock).
    func reading(_ body: () throws(DuplicateStoreError) -> Void) throws(DuplicateStoreError) {
        try beginRead.run([])
        do throws(DuplicateStoreError) {
            try body()
            try commit.run([])
        } catch {
            try? rollback.run([])
            throw error
        }
    }

    /// When records were last expired (0: never).
    func lastExpiry() throws(DuplicateStoreError) -> Int64 {
        var value: Int64 = 0
        try selectLastExpiry.run([]) { row in value = row.integer(0) }
        return value
    }
}
