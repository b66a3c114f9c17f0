import Postgres

/// The PostgreSQL layout of the duplicate records (the same rows as the SQLite file, plus the
/// claiming host), and the statements on it.
///
/// ```
/// duplicate_deliveries(message_id, mailbox, date,  -- the key (Cyrus's duplicate key)
///                      state,                      -- 0 claimed (being delivered), 1 delivered
///                      owner_host, owner_pid,      -- who holds a claim (host name, process id)
///                      owner_token,                -- which store object of that process
///                      mtime)                      -- unix time of the claim or delivery
/// duplicate_tracking(key, expires)                 -- Sieve's records, seen until `expires`
/// duplicate_meta(name, value)                      -- 'last_expiry': when records were last expired
/// ```
enum PostgresSchema {
    /// Whether all three tables exist (a catalog read, no table locks).
    static let existing = """
        SELECT to_regclass('duplicate_deliveries') IS NOT NULL AND to_regclass('duplicate_tracking') IS NOT NULL
            AND to_regclass('duplicate_meta') IS NOT NULL
        """

    /// Serialises creators: concurrent `CREATE TABLE IF NOT EXISTS` can collide in
    /// PostgreSQL's catalog.
    static let creationLock = "SELECT pg_advisory_xact_lock(7283650173)"

    /// Run only when the tables are missing: even with `IF NOT EXISTS`, `CREATE INDEX` locks
    /// its table, which could deadlock with another process already expiring records.
    static let creation = [
        """
        CREATE TABLE IF NOT EXISTS duplicate_deliveries (
            message_id text NOT NULL,
            mailbox text NOT NULL,
            date text NOT NULL,
            state smallint NOT NULL,
            owner_host text NOT NULL,
            owner_pid integer NOT NULL,
            owner_token bigint NOT NULL,
            mtime bigint NOT NULL,
            PRIMARY KEY (message_id, mailbox, date)
        )
        """,
        "CREATE INDEX IF NOT EXISTS duplicate_deliveries_mtime ON duplicate_deliveries (mtime)",
        "CREATE TABLE IF NOT EXISTS duplicate_tracking (key text PRIMARY KEY, expires bigint NOT NULL)",
        "CREATE INDEX IF NOT EXISTS duplicate_tracking_expires ON duplicate_tracking (expires)",
        "CREATE TABLE IF NOT EXISTS duplicate_meta (name text PRIMARY KEY, value bigint NOT NULL)",
        "INSERT INTO duplicate_meta (name, value) VALUES ('last_expiry', 0) ON CONFLICT DO NOTHING",
    ]

    /// One atomic statement: a new key is claimed; an existing claim is taken over when it is
    /// this store's own or older than the stale age ($8). A row comes back when the key is ours.
    static let claim = """
        INSERT INTO duplicate_deliveries AS d
            (message_id, mailbox, date, state, owner_host, owner_pid, owner_token, mtime)
        VALUES ($1, $2, $3, 0, $4, $5, $6, $7)
        ON CONFLICT (message_id, mailbox, date) DO UPDATE
            SET owner_host = excluded.owner_host, owner_pid = excluded.owner_pid,
                owner_token = excluded.owner_token, mtime = excluded.mtime
            WHERE d.state = 0 AND (d.owner_token = excluded.owner_token OR d.mtime < $8)
        RETURNING 1
        """

    static let select = """
        SELECT state, owner_host, owner_pid, owner_token FROM duplicate_deliveries
        WHERE message_id = $1 AND mailbox = $2 AND date = $3
        """

    /// Takes over the claim of a dead process of this host, unless someone else did first
    /// ($8: the token seen).
    static let takeOver = """
        UPDATE duplicate_deliveries SET owner_host = $4, owner_pid = $5, owner_token = $6, mtime = $7
        WHERE message_id = $1 AND mailbox = $2 AND date = $3 AND state = 0 AND owner_token = $8
        RETURNING 1
        """

    static let complete = """
        INSERT INTO duplicate_deliveries AS d
            (message_id, mailbox, date, state, owner_host, owner_pid, owner_token, mtime)
        VALUES ($1, $2, $3, 1, '', 0, 0, $4)
        ON CONFLICT (message_id, mailbox, date) DO UPDATE
            SET state = 1, owner_host = '', owner_pid = 0, owner_token = 0, mtime = excluded.mtime
        """

    static let release = """
        DELETE FROM duplicate_deliveries
        WHERE message_id = $1 AND mailbox = $2 AND date = $3 AND state = 0 AND owner_token = $4
        """

    /// Marks this process as the one that expires now, if none did since $2.
    static let startExpiry = "UPDATE duplicate_meta SET value = $1 WHERE name = 'last_expiry' AND value <= $2 RETURNING 1"
    static let expireDeliveries = "DELETE FROM duplicate_deliveries WHERE mtime < $1"
    static let expireTracking = "DELETE FROM duplicate_tracking WHERE expires <= $1"

    static let selectTracked = "SELECT 1 FROM duplicate_tracking WHERE key = $1 AND expires > $2"
    static let upsertTracked = """
        INSERT INTO duplicate_tracking AS t (key, expires) VALUES ($1, $2)
        ON CONFLICT (key) DO UPDATE SET expires = greatest(t.expires, excluded.expires)
        """
    static let deleteTracked = "DELETE FROM duplicate_tracking WHERE key = $1"

    /// Creates the tables when missing (checked again under the lock: another process may
    /// have created them while this one waited).
    static func install(on connection: PostgresConnection) throws(PostgresError) {
        if try connection.query(existing).rows.first?.first == "t" { return }
        try connection.transaction { db throws(PostgresError) in
            try db.query(creationLock)
            if try db.query(existing).rows.first?.first == "t" { return }
            for statement in creation { try db.query(statement) }
        }
    }

    /// Whether `error` is PostgreSQL giving up on a transaction because of another one (a
    /// deadlock, a serialization failure): it was rolled back and may simply be run again.
    static func isTransient(_ error: PostgresError) -> Bool {
        if case .queryFailed(let state, _) = error { return state == "40P01" || state == "40001" }
        return false
    }

    /// The key as statement parameters $1...$3.
    static func values(_ key: DuplicateKey) -> [String?] {
        [key.messageID, key.mailbox, key.date]
    }
}
