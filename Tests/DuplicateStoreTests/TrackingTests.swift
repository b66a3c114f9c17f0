import Testing
@testable import DuplicateStore

/// Sieve's tracking records (vacation intervals, `duplicate`, redirects) in deliver.db.
@Suite("Duplicate database: Sieve tracking records")
struct TrackingTests {
    @Test("a tracked key is seen until it expires, by another process too; the later expiry wins")
    func trackedUntilExpiry() throws {
        let dir = try ScratchDirectory()
        let store = try DuplicateStore(path: dir.database)
        #expect(try !store.isTracked("vacation:alice:bob@example.org", now: 1000))
        try store.track([("vacation:alice:bob@example.org", expires: 2000), ("redirect:<m@x>:carol@example.org", expires: 1500)])
        #expect(try store.isTracked("vacation:alice:bob@example.org", now: 1999))
        #expect(try !store.isTracked("vacation:alice:bob@example.org", now: 2000))
        let other = try DuplicateStore(path: dir.database)
        #expect(try other.isTracked("redirect:<m@x>:carol@example.org", now: 1200))
        try other.track([("vacation:alice:bob@example.org", expires: 1200)])
        #expect(try store.isTracked("vacation:alice:bob@example.org", now: 1999), "an earlier expiry does not shorten it")
    }

    @Test("expiry deletes tracked records whose time is over")
    func expiryDeletes() throws {
        let dir = try ScratchDirectory()
        var options = DuplicateStore.Options()
        options.expiryInterval = 0
        let store = try DuplicateStore(path: dir.database, options: options)
        let later = DuplicateStore.now() + 100_000   // after the expiry the store ran when opened
        try store.track([("old", expires: later - 1), ("new", expires: later + 10_000)])
        #expect(try store.expireIfDue(now: later) == 1)
        #expect(try store.isTracked("new", now: later))
    }
}
