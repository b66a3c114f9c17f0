import CPostgres
import Glibc
import POSIXCore

/// One connection to PostgreSQL through libpq, with blocking calls that fit a process per
/// connection: each statement returns when it is done, refused, or out of time.
///
/// The connection is made at the first statement (or by `connect()`), trying the endpoints in
/// order. A connection found broken before a statement (the server restarted, closed it) is
/// made again silently; one that breaks during a statement makes that statement fail with
/// `connectionLost` and is made again by the next call. Channels given to `listen` are
/// listened to again on every new connection.
///
/// Not thread-safe: one owner at a time (wrap it in a `Mutex` to share it).
public final class PostgresConnection {
    public let settings: PostgresSettings
    /// libpq's connection; nil while not connected.
    var handle: OpaquePointer?
    /// The endpoint of the current connection.
    public private(set) var endpoint: PostgresSettings.Endpoint?
    /// Channels to LISTEN on, again after each reconnect.
    var channels: [String] = []
    /// Inside `transaction`: a broken connection is an error, never silently made again (the
    /// rest of the transaction would run outside it).
    var inTransaction = false
    /// When (monotonic seconds) and why the last connection attempt failed.
    private var lastFailure: (time: Double, error: PostgresError)?

    /// Does not connect yet (see `connect()`).
    public init(settings: PostgresSettings) {
        self.settings = settings
    }

    deinit {
        if let handle { cpg_PQfinish(handle) }
    }

    /// Whether a connection is open and was fine after the last call.
    public var isConnected: Bool {
        guard let handle else { return false }
        return cpg_PQstatus(handle) == CONNECTION_OK
    }

    /// Connects (again, closing any current connection) to the first endpoint that accepts,
    /// and listens to the channels given to `listen`. Within `settings.reconnectDelay` of a
    /// failed attempt it fails at once with that attempt's error.
    public func connect() throws(PostgresError) {
        close()
        if let lastFailure, settings.reconnectDelay > 0, MonotonicClock.now() - lastFailure.time < settings.reconnectDelay {
            throw lastFailure.error
        }
        var loadError = [CChar](repeating: 0, count: 256)
        guard cpg_load(&loadError, Int32(loadError.count)) == 0 else {
            // libpq is loaded only now (see CPostgres): a machine without it cannot connect.
            throw PostgresError.unreachable(String(decoding: loadError.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        var reasons: [String] = []
        for endpoint in settings.endpoints.isEmpty ? [PostgresSettings.Endpoint(host: nil)] : settings.endpoints {
            let connection = Self.open(settings.keywords(for: endpoint))
            guard let connection, cpg_PQstatus(connection) == CONNECTION_OK else {
                let reason = connection.map { Self.message($0) } ?? "out of memory"
                reasons.append("\(endpoint): \(reason)")
                if let connection { cpg_PQfinish(connection) }
                continue
            }
            // Notices (and a closing server's farewell) would go to standard error.
            cpg_PQsetNoticeProcessor(connection, { _, _ in }, nil)
            handle = connection
            self.endpoint = endpoint
            lastFailure = nil
            do throws(PostgresError) {
                for channel in channels { try run("LISTEN \(try Self.quotedIdentifier(channel))", []) }
            } catch {
                close()
                throw error
            }
            return
        }
        let error = PostgresError.unreachable(reasons.joined(separator: "; "))
        lastFailure = (MonotonicClock.now(), error)
        throw error
    }

    /// Closes the connection (the next statement connects again).
    public func close() {
        if let handle { cpg_PQfinish(handle) }
        handle = nil
        endpoint = nil
    }

    /// The open connection, made first when there is none or the current one is broken. A
    /// connection the server has closed or written to while idle is noticed here, before
    /// anything is sent, so that no statement is lost to a restart.
    func usableHandle() throws(PostgresError) -> OpaquePointer {
        if inTransaction {
            guard let handle, cpg_PQstatus(handle) == CONNECTION_OK else {
                throw PostgresError.connectionLost("the connection broke inside a transaction")
            }
            return handle
        }
        if let handle, cpg_PQstatus(handle) == CONNECTION_OK, Self.survivesIdleCheck(handle) { return handle }
        try connect()
        guard let handle else { throw PostgresError.unreachable("no connection") }
        return handle
    }

    /// Reads whatever arrived while idle (notifications, or a termination notice and EOF);
    /// false when that shows the connection is gone.
    private static func survivesIdleCheck(_ handle: OpaquePointer) -> Bool {
        let fd = cpg_PQsocket(handle)
        guard fd >= 0 else { return false }
        // A look, no wait. A closing server's farewell and its EOF may take two reads.
        for _ in 0..<8 {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 0) > 0 else { return true }
            guard cpg_PQconsumeInput(handle) != 0, cpg_PQstatus(handle) == CONNECTION_OK else { return false }
        }
        return true
    }

    /// Connects with `PQconnectdbParams` (blocking, bounded by `connect_timeout`).
    private static func open(_ pairs: [(String, String)]) -> OpaquePointer? {
        let keywords = pairs.map { strdup($0.0) } + [nil]
        let values = pairs.map { strdup($0.1) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let constKeywords = keywords.map { UnsafePointer($0) }
        let constValues = values.map { UnsafePointer($0) }
        return cpg_PQconnectdbParams(constKeywords, constValues, 0)
    }

    /// libpq's last error message of `handle`, without its final newline.
    static func message(_ handle: OpaquePointer) -> String {
        guard let text = cpg_PQerrorMessage(handle) else { return "unknown error" }
        var message = String(cString: text)
        while message.last == "\n" { message.removeLast() }
        return message.isEmpty ? "unknown error" : message.replacingNewlines()
    }

    /// `"name"` with inner quotes doubled, for LISTEN / UNLISTEN (identifiers cannot be
    /// parameters).
    static func quotedIdentifier(_ name: String) throws(PostgresError) -> String {
        guard !name.isEmpty, !name.utf8.contains(0) else {
            throw PostgresError.invalidArgument("channel name must be non-empty text without NUL")
        }
        var quoted = "\""
        for character in name { quoted += character == "\"" ? "\"\"" : String(character) }
        return quoted + "\""
    }
}

extension String {
    /// Multi-line libpq messages as one log line.
    func replacingNewlines() -> String {
        split(separator: "\n").map { $0.trimmingBlanks() }.joined(separator: " ")
    }
}
