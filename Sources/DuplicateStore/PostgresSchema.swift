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
    /// Created when missing, under a transaction-scoped advisory lock: concurrent
    /// `CREATE TABLE IF NOT EXISTS` can otherwise collide in PostgreSQL's catalog.
    static let creation = [
        "SELECT pg_advisory_xact_lock(7283650173)",
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

    /// Creates the tables when missing.
    static func install(on connection: PostgresConnection) throws(PostgresError) {
        try connection.transaction { db throws(PostgresError) in
            for statement in creation { try db.query(statement) }
        }
    }

    /// The key as statement parameters $1...$3.
    static func values(_ key: DuplicateKey) -> [String?] {
        [key.messageID, key.mailbox, key.date]
    }
}
