/// The connections of one proxy process to its backends, one per backend, kept across
/// sessions (a new session reuses them; each is reset before a new transaction if needed).
public final class BackendPool {
    private var connections: [String: BackendConnection] = [:]

    public init(backends: [ProxyBackend], timeouts: ProxyTimeouts) {
        for backend in backends {
            connections[backend.name] = BackendConnection(backend: backend, timeouts: timeouts)
        }
    }

    /// The connection to the backend named `name` (not necessarily open), nil when unknown.
    func connection(_ name: String) -> BackendConnection? {
        connections[name]
    }

    /// Closes every connection.
    public func closeAll() {
        for connection in connections.values { connection.close() }
    }
}
