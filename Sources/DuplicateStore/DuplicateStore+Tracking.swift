/// Sieve's tracking records, kept beside the delivery records: a vacation reply's response
/// interval (key: handle, user and sender), the `duplicate` test's ids, redirects already
/// made (key: Message-ID and address). A key counts as seen until its expiry time.
extension DuplicateStore {
    /// Whether `key` was tracked and has not expired at `now` (default: the current time).
    public func isTracked(_ key: String, now: Int?) throws(DuplicateStoreError) -> Bool {
        let time = Int64(now ?? Self.now())
        return try state.withLock { (statements) throws(DuplicateStoreError) -> Bool in
            var found = false
            try statements.selectTracked.run([.text(key), .integer(time)]) { _ in found = true }
            return found
        }
    }

    /// Records each key as seen until its `expires` time (unix seconds), in one transaction;
    /// a key already tracked keeps the later expiry.
    public func track(_ records: [(key: String, expires: Int)]) throws(DuplicateStoreError) {
        guard !records.isEmpty else { return }
        try state.withLock { (statements) throws(DuplicateStoreError) in
            try statements.transaction { () throws(DuplicateStoreError) in
                for record in records {
                    try statements.upsertTracked.run([.text(record.key), .integer(Int64(record.expires))])
                }
            }
        }
    }

    /// Forgets each key (records written before an action that then failed), in one
    /// transaction.
    public func untrack(_ keys: [String]) throws(DuplicateStoreError) {
        guard !keys.isEmpty else { return }
        try state.withLock { (statements) throws(DuplicateStoreError) in
            try statements.transaction { () throws(DuplicateStoreError) in
                for key in keys { try statements.deleteTracked.run([.text(key)]) }
            }
        }
    }
}
