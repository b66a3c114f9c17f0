import Postgres

/// The routing map in PostgreSQL: `proxy_map_query` (one parameter, the user) names a user's
/// backend, and NOTIFYs on `proxy_map_channel` announce changes (the payload a user, or empty
/// for "anything"). Connected at first use, with the `sql_*` options' server; every call is
/// bounded by the connection's timeouts, and a failure is thrown for ``MappedRoutes`` to handle.
public final class PostgresRouteMap: RouteMap {
    public struct Settings: Sendable, Equatable {
        public var database: PostgresSettings
        public var query: String
        public var channel: String

        public init(database: PostgresSettings, query: String, channel: String) {
            self.database = database
            self.query = query
            self.channel = channel
        }
    }

    let settings: Settings
    private let connection: PostgresConnection
    private var listening = false

    public init(settings: Settings) {
        self.settings = settings
        connection = PostgresConnection(settings: settings.database)
    }

    public func lookup(_ user: String) throws -> String? {
        try listenOnce()
        let result = try connection.query(settings.query, [user])
        guard let row = result.rows.first, let value = row.first ?? nil, !value.isEmpty else { return nil }
        return value
    }

    public func changes() throws -> [String?] {
        try listenOnce()
        return try connection.notifications()
            .filter { $0.channel == settings.channel }
            .map { $0.payload.isEmpty ? nil : $0.payload }
    }

    /// LISTENs before the first question (the connection listens again after each reconnect).
    private func listenOnce() throws {
        guard !listening else { return }
        try connection.listen(settings.channel)
        listening = true
    }

    /// Closes the connection (the process is about to exit).
    public func close() {
        connection.close()
    }
}
