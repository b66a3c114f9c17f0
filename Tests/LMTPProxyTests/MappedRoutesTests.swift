@testable import LMTPProxy
import Logging
import Testing

/// A map in memory that can be taken away.
final class FakeRouteMap: RouteMap {
    struct Down: Error {}
    var rows: [String: String] = [:]
    var pending: [String?] = []
    var reachable = true
    var lookups = 0

    func lookup(_ user: String) throws -> String? {
        guard reachable else { throw Down() }
        lookups += 1
        return rows[user]
    }

    func changes() throws -> [String?] {
        guard reachable else { throw Down() }
        defer { pending = [] }
        return pending
    }

    /// An UPDATE and its NOTIFY.
    func move(_ user: String, to backend: String) {
        rows[user] = backend
        pending.append(user)
    }
}

@Suite("lmtpproxyd: routing by a map, with hashing for users it does not list")
struct MappedRoutesTests {
    let backends = ["a", "b", "c"].map { ProxyBackend(name: $0, address: .unix("/\($0)")) }

    func routes(_ map: FakeRouteMap, clock: @escaping () -> Double) -> MappedRoutes {
        MappedRoutes(map: map, backends: backends, logger: Logger(label: "test"), clock: clock)
    }

    @Test("a listed user goes where the map says, an unlisted one where the hash says; answers are cached")
    func listedAndUnlisted() {
        let map = FakeRouteMap()
        map.rows["alice"] = "c"
        let routes = routes(map) { 0 }
        #expect(routes.route("alice") == .backend("c"))
        let hashed = RendezvousRouter(backends: ["a", "b", "c"]).backend(for: "bob")
        #expect(routes.route("bob") == hashed.map { .backend($0) })
        _ = routes.route("alice")
        _ = routes.route("bob")
        #expect(map.lookups == 2, "the second answers come from the cache")
    }

    @Test("a move (UPDATE + NOTIFY) takes effect once the notification is read, within a quarter second")
    func move() {
        let map = FakeRouteMap()
        map.rows["alice"] = "a"
        var now = 0.0
        let routes = routes(map) { now }
        #expect(routes.route("alice") == .backend("a"))
        map.move("alice", to: "b")
        now += 0.1
        #expect(routes.route("alice") == .backend("a"), "not read yet")
        now += 0.2
        #expect(routes.route("alice") == .backend("b"))
    }

    @Test("map unreachable: cached users keep flowing, others cannot be placed (never guessed); back: cache dropped")
    func outage() {
        let map = FakeRouteMap()
        map.rows["alice"] = "a"
        var now = 0.0
        let routes = routes(map) { now }
        #expect(routes.route("alice") == .backend("a"))
        map.reachable = false
        now += 1
        #expect(routes.route("alice") == .backend("a"))
        if case .unplaceable = routes.route("carol") {} else { Issue.record("carol was placed without the map") }
        map.reachable = true
        map.rows["alice"] = "c"    // changed while unreachable: its notification was lost
        now += 0.5
        if case .unplaceable = routes.route("carol") {} else { Issue.record("asked again before the retry interval") }
        now += MappedRoutes.retryInterval
        #expect(routes.route("alice") == .backend("c"), "the cache was dropped when the map came back")
        #expect(routes.route("carol") == RendezvousRouter(backends: ["a", "b", "c"]).backend(for: "carol").map { .backend($0) })
    }
}
