import Postgres

/// Sieve's tracking records in PostgreSQL, with the same meaning as in the SQLite file
/// (``DuplicateStore``'s tracking extension).
extension PostgresDuplicateStore {
    public func isTracked(_ key: String, now: Int?) throws(DuplicateStoreError) -> Bool {
        let time = String(now ?? DuplicateStore.now())
        return try withConnection("read a tracking record") { db throws(PostgresError) -> Bool in
            try !db.query(PostgresSchema.selectTracked, [key, time]).rows.isEmpty
        }
    }

    public func track(_ records: [(key: String, expires: Int)]) throws(DuplicateStoreError) {
        guard !records.isEmpty else { return }
        try withConnection("record tracking records") { db throws(PostgresError) in
            try db.transaction { db throws(PostgresError) in
                for record in records { try db.query(PostgresSchema.upsertTracked, [record.key, String(record.expires)]) }
            }
        }
    }

    public func untrack(_ keys: [String]) throws(DuplicateStoreError) {
        guard !keys.isEmpty else { return }
        try withConnection("remove tracking records") { db throws(PostgresError) in
            try db.transaction { db throws(PostgresError) in
                for key in keys { try db.query(PostgresSchema.deleteTracked, [key]) }
            }
        }
    }
}
