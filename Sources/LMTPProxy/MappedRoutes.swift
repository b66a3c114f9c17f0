import Logging
import POSIXCore

/// A routing table outside the proxy (PostgreSQL's `mailbox_routes`): who lives where.
public protocol RouteMap: AnyObject {
    /// The backend named for `user`, nil when the table has no row for it. Throws when the
    /// table cannot be asked now.
    func lookup(_ user: String) throws -> String?
    /// The users whose rows changed since the last call (nil in the list: "anything may have
    /// changed"), as the map's notifications tell. Throws when the map cannot be reached.
    func changes() throws -> [String?]
}

/// Routing by a ``RouteMap`` with rendezvous hashing for users it does not list.
///
/// Answers are cached per process; the map's change notifications drop the users they name
/// (checked at most every ``notificationInterval`` seconds, so a move takes effect within a
/// second without a restart). When the map cannot be reached, cached users keep their backend,
/// and a user the proxy cannot place gets ``RouteAnswer/unplaceable(_:)`` (`451 4.4.3`): a
/// backend is never guessed, because the map may name another one for that user. The outage is
/// logged once when it starts and once when it ends; while it lasts the map is asked again at
/// most every ``retryInterval`` seconds. After an outage the whole cache is dropped, as
/// notifications may have been missed.
public final class MappedRoutes: RouteSource {
    public static let notificationInterval = 0.25
    public static let retryInterval = 2.0

    private enum Cached { case backend(String), unlisted }

    private let map: any RouteMap
    private let hashed: RendezvousRouter
    private let logger: Logger
    private let clock: () -> Double
    private var cache: [String: Cached] = [:]
    private var lastCheck = -Double.infinity
    private var unreachableSince: Double?
    private var lastAttempt = -Double.infinity

    public init(map: any RouteMap, backends: [ProxyBackend], logger: Logger, clock: @escaping () -> Double = MonotonicClock.now) {
        self.map = map
        hashed = RendezvousRouter(backends: backends.map(\.name))
        self.logger = logger
        self.clock = clock
    }

    public func route(_ user: String) -> RouteAnswer {
        let now = clock()
        applyChanges(now: now)
        if let cached = cache[user] { return answer(cached, user) }
        if unreachableSince != nil && now - lastAttempt < Self.retryInterval {
            return .unplaceable("the routing map is unreachable")
        }
        lastAttempt = now
        do {
            let found = try map.lookup(user)
            reachable(now: now)
            let entry: Cached = found.map { .backend($0) } ?? .unlisted
            cache[user] = entry
            return answer(entry, user)
        } catch {
            unreachable(error, now: now)
            return .unplaceable("the routing map is unreachable: \(error)")
        }
    }

    private func answer(_ entry: Cached, _ user: String) -> RouteAnswer {
        switch entry {
        case .backend(let name): return .backend(name)
        case .unlisted: return hashed.backend(for: user).map { .backend($0) } ?? .unplaceable("no backends")
        }
    }

    /// Drops the cached users the map's notifications name; during an outage, the same call
    /// (at most every ``retryInterval``) finds out whether the map is back.
    private func applyChanges(now: Double) {
        let interval = unreachableSince == nil ? Self.notificationInterval : Self.retryInterval
        guard now - lastCheck >= interval else { return }
        lastCheck = now
        do {
            let changed = try map.changes()
            reachable(now: now)
            for user in changed {
                if let user { cache[user] = nil } else { cache.removeAll() }
            }
        } catch {
            unreachable(error, now: now)
        }
    }

    private func unreachable(_ error: Error, now: Double) {
        guard unreachableSince == nil else { return }
        unreachableSince = now
        lastAttempt = now
        logger.error("routing map unreachable: \(error); users not cached get 451 4.4.3 until it is back")
    }

    private func reachable(now: Double) {
        guard let since = unreachableSince else { return }
        unreachableSince = nil
        cache.removeAll()
        logger.notice("routing map reachable again after \(Int(now - since)) s; cache dropped")
    }
}
