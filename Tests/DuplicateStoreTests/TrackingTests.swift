import Testing
@testable import DuplicateStore

/// Sieve's tracking records (vacation intervals, `duplicate`, redirects) in deliver.db.
@Suite("Duplicate database: Sieve tracking records", .sharedPostgres)
struct TrackingTests {
    @Test("a tracked key is seen until it expires, by another process too; the later expiry wins", arguments: Engine.allCases)
    func trackedUntilExpiry(_ engine: Engine) throws {
        let database = try StoreFixture(engine)
        let store = try database.open()
        #expect(try !store.isTracked("vacation:alice:bob@example.org", now: 1000))
        try store.track([("vacation:alice:bob@example.org", expires: 2000), ("redirect:<m@x>:carol@example.org", expires: 1500)])
        #expect(try store.isTracked("vacation:alice:bob@example.org", now: 1999))
        #expect(try !store.isTracked("vacation:alice:bob@example.org", now: 2000))
        let other = try database.open()
        #expect(try other.isTracked("redirect:<m@x>:carol@example.org", now: 1200))
        try other.track([("vacation:alice:bob@example.org", expires: 1200)])
        #expect(try store.isTracked("vacation:alice:bob@example.org", now: 1999), "an earlier expiry does not shorten it")
    }

    @Test("expiry deletes tracked records whose time is over; untracked keys are gone", arguments: Engine.allCases)
    func expiryDeletes(_ engine: Engine) throws {
        let store = try StoreFixture(engine).open(StoreOptions(expiryInterval: 0))
        let later = DuplicateStore.now() + 100_000   // after the expiry the store ran when opened
        try store.track([("old", expires: later - 1), ("new", expires: later + 10_000)])
        #expect(try store.expireIfDue(now: later) == 1)
        #expect(try store.isTracked("new", now: later))
        try store.untrack(["new"])
        #expect(try !store.isTracked("new", now: later))
    }
}
