/// What lmtpd asks of the duplicate-delivery database: claims on (Message-ID, mailbox, Date)
/// keys and their outcome, expiry, and Sieve's tracking records. ``DuplicateStore`` keeps them
/// in an SQLite file (one host), ``PostgresDuplicateStore`` in PostgreSQL (several hosts).
///
/// The contract both keep: of two processes claiming a key at once exactly one gets
/// `claimed`; a claim is finished as delivered (later claims see `delivered`) or released; a
/// claim whose process is gone (or older than the stale age) is taken over, so a crash costs
/// a duplicate, never a message. Times are unix seconds (nil: now).
public protocol DuplicateDatabase: Sendable {
    /// Claims every key; one outcome per key, in order.
    func claim(_ keys: [DuplicateKey], now: Int?) throws(DuplicateStoreError) -> [ClaimOutcome]
    /// Records `delivered` keys as delivered and drops this store's claims on `failed` ones.
    func finish(delivered: [DuplicateKey], failed: [DuplicateKey], now: Int?) throws(DuplicateStoreError)
    /// Whether `key` is recorded as delivered.
    func isDelivered(_ key: DuplicateKey) throws(DuplicateStoreError) -> Bool
    /// Deletes expired records if no process did so within the expiry interval; how many.
    @discardableResult
    func expireIfDue(now: Int?) throws(DuplicateStoreError) -> Int
    /// Whether a Sieve tracking key was recorded and has not expired.
    func isTracked(_ key: String, now: Int?) throws(DuplicateStoreError) -> Bool
    /// Records each key as seen until its `expires` time; a key already tracked keeps the later.
    func track(_ records: [(key: String, expires: Int)]) throws(DuplicateStoreError)
    /// Forgets each key (records written before an action that then failed).
    func untrack(_ keys: [String]) throws(DuplicateStoreError)
}

extension DuplicateDatabase {
    public func claim(_ keys: [DuplicateKey]) throws(DuplicateStoreError) -> [ClaimOutcome] {
        try claim(keys, now: nil)
    }

    public func finish(delivered: [DuplicateKey], failed: [DuplicateKey]) throws(DuplicateStoreError) {
        try finish(delivered: delivered, failed: failed, now: nil)
    }

    @discardableResult
    public func expireIfDue() throws(DuplicateStoreError) -> Int {
        try expireIfDue(now: nil)
    }

    public func isTracked(_ key: String) throws(DuplicateStoreError) -> Bool {
        try isTracked(key, now: nil)
    }
}
