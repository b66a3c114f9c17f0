import Postgres

/// Where lmtpd keeps its duplicate-delivery records (imapd.conf's `duplicate_db`).
public enum DuplicateDatabaseLocation: Sendable, Equatable {
    /// An SQLite file (`duplicate_db_path`): every `duplicate_db` value but `sql`.
    case sqlite(path: String)
    /// PostgreSQL (`duplicate_db: sql` with `sql_engine: pgsql`), shared by several hosts.
    case postgres(PostgresSettings)

    /// PostgreSQL from Cyrus's `sql_*` options, with lmtpd's timeouts: 3 s to connect to one
    /// host, 5 s per statement, and after a failed connection 10 s in which the database is
    /// not tried again (mail goes on without suppression meanwhile).
    public static func postgres(sqlHostnames: String, database: String?, user: String?, password: String?,
                                useSSL: Bool) -> Self {
        var settings = PostgresSettings(hostnames: sqlHostnames, database: database, user: user, password: password, useSSL: useSSL)
        settings.connectTimeout = 3
        settings.statementTimeout = 5
        settings.reconnectDelay = 10
        settings.applicationName = "lmtpd"
        return .postgres(settings)
    }

    /// The SQLite file, nil for PostgreSQL.
    public var path: String? {
        if case .sqlite(let path) = self { path } else { nil }
    }

    /// Opens the database (SQLite: creating the file; PostgreSQL: without connecting yet, so
    /// that this never fails for an unreachable server: its statements do).
    public func open(maximumAge: Int) throws(DuplicateStoreError) -> any DuplicateDatabase {
        switch self {
        case .sqlite(let path):
            var options = DuplicateStore.Options()
            options.maximumAge = maximumAge
            return try DuplicateStore(path: path, options: options)
        case .postgres(let settings):
            var options = PostgresDuplicateStore.Options()
            options.maximumAge = maximumAge
            return PostgresDuplicateStore(settings: settings, options: options)
        }
    }
}
