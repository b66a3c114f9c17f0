/// Where the proxy learns a user's backend.
public protocol RouteSource: AnyObject {
    /// The backend name for `user`, or why the user cannot be placed now.
    func route(_ user: String) -> RouteAnswer
}

/// A routing answer.
public enum RouteAnswer: Equatable, Sendable {
    /// Deliver to this backend.
    case backend(String)
    /// The user cannot be placed now (the map is unreachable): the recipient gets
    /// `451 4.4.3` and the client retries; a backend is never guessed.
    case unplaceable(String)
}

/// Routing by rendezvous hashing alone (no `sql_engine`): every user has a backend.
public final class HashedRoutes: RouteSource {
    let router: RendezvousRouter

    public init(backends: [ProxyBackend]) {
        router = RendezvousRouter(backends: backends.map(\.name))
    }

    public func route(_ user: String) -> RouteAnswer {
        router.backend(for: user).map { .backend($0) } ?? .unplaceable("no backends")
    }
}
