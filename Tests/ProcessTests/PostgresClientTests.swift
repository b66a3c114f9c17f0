import Foundation
import Glibc
import POSIXCore
import Postgres
import Testing

/// The Postgres module against a real server (`PostgresInstance`): connecting by socket and by
/// TCP, parameters, refusals, timeouts, reconnects, LISTEN/NOTIFY.
@Suite("PostgreSQL client", .sharedPostgres)
struct PostgresClientTests {
    /// Over the instance's unix socket (no password needed).
    static func socketSettings(_ server: PostgresInstance) -> PostgresSettings {
        PostgresSettings(hostnames: "\(server.socketDirectory):\(server.port)", database: server.database,
                         user: server.user, password: nil, useSSL: false)
    }

    /// Over TCP on the loopback (password required).
    static func tcpSettings(_ server: PostgresInstance, password: String? = nil) -> PostgresSettings {
        PostgresSettings(hostnames: "127.0.0.1:\(server.port)", database: server.database, user: server.user,
                         password: password ?? server.password, useSSL: false)
    }

    @Test("connects over the unix socket directory and over TCP with the password")
    func connectBySocketAndTCP() throws {
        let server = try PostgresInstance.current()
        let local = PostgresConnection(settings: Self.socketSettings(server))
        let overSocket = try local.query("SELECT current_user, inet_server_addr() IS NULL AS on_socket")
        #expect(overSocket.rows == [["postgres", "t"]])
        #expect(local.endpoint?.host == server.socketDirectory)

        let remote = PostgresConnection(settings: Self.tcpSettings(server))
        let overTCP = try remote.query("SELECT host(inet_server_addr()), current_setting('statement_timeout')")
        #expect(overTCP.rows == [["127.0.0.1", "5s"]])
    }

    @Test("sql_hostnames is tried in order: a dead first host is skipped")
    func hostnamesInOrder() throws {
        let server = try PostgresInstance.current()
        var settings = Self.tcpSettings(server)
        settings.endpoints = PostgresSettings.endpoints("127.0.0.1:1, 127.0.0.1:\(server.port)")
        let connection = PostgresConnection(settings: settings)
        try connection.connect()
        #expect(connection.endpoint == PostgresSettings.Endpoint(host: "127.0.0.1", port: String(server.port)))
    }

    @Test("a wrong password or no server is 'unreachable', at once, never a query failure")
    func unreachable() throws {
        let server = try PostgresInstance.current()
        let refused = PostgresConnection(settings: Self.tcpSettings(server, password: "wrong"))
        #expect(throws: PostgresError.self) { try refused.query("SELECT 1") }
        do {
            try refused.connect()
        } catch {
            #expect(error.isConnectionProblem)
            #expect("\(error)".contains("password authentication failed"), "\(error)")
        }
        let nobody = PostgresConnection(settings: PostgresSettings(hostnames: "127.0.0.1:1", database: nil, user: nil, password: nil, useSSL: false))
        let started = MonotonicClock.now()
        do {
            try nobody.query("SELECT 1")
            Issue.record("no server, yet the query ran")
        } catch {
            guard case .unreachable = error else { throw error }
        }
        #expect(MonotonicClock.now() - started < 2)
    }

    @Test("parameters travel as they are: quotes, backslashes, UTF-8, NULL; a NUL is refused before sending")
    func parameters() throws {
        let server = try PostgresInstance.current()
        let connection = PostgresConnection(settings: Self.socketSettings(server))
        try connection.query("CREATE TABLE IF NOT EXISTS client_parameters (k text PRIMARY KEY, v text)")
        let awkward = ["it's", "\"quoted\"", "back\\slash", "'); DROP TABLE client_parameters; --", "Grüße 📬 日本", "$1", ""]
        for (index, text) in awkward.enumerated() {
            try connection.query("INSERT INTO client_parameters (k, v) VALUES ($1, $2)", ["k\(index)", text])
        }
        let stored = try connection.query("SELECT v, length(v) FROM client_parameters ORDER BY k")
        #expect(stored.rows.map { $0[0] } == awkward.map { $0 })
        #expect(stored.rows.map { $0[1] } == awkward.map { String($0.count) })
        #expect(try connection.query("SELECT $1::text IS NULL", [nil]).rows == [["t"]])
        #expect(throws: PostgresError.invalidArgument("a parameter contains a NUL character")) {
            try connection.query("SELECT $1::text", ["a\u{0}b"])
        }
        #expect(try connection.query("SELECT 1").rows == [["1"]], "still usable")
        let changed = try connection.query("UPDATE client_parameters SET v = v WHERE k LIKE 'k%'")
        #expect(changed.affectedRows == awkward.count)
    }

    @Test("a bad statement is a query failure with its SQLSTATE; the connection stays usable")
    func badQuery() throws {
        let server = try PostgresInstance.current()
        let connection = PostgresConnection(settings: Self.socketSettings(server))
        do {
            try connection.query("SELEKT 1")
            Issue.record("a syntax error was accepted")
        } catch {
            guard case .queryFailed(let state, let message) = error else { throw error }
            #expect(state == "42601")
            #expect(message.contains("SELEKT"))
            #expect(!error.isConnectionProblem)
        }
        #expect(throws: PostgresError.self) { try connection.query("SELECT * FROM no_such_table") }
        #expect(try connection.query("SELECT 2").rows == [["2"]])
        #expect(connection.isConnected)
    }

    @Test("the statement timeout ends a long statement on the server (SQLSTATE 57014)")
    func statementTimeout() throws {
        let server = try PostgresInstance.current()
        var settings = Self.socketSettings(server)
        settings.statementTimeout = 0.3
        let connection = PostgresConnection(settings: settings)
        let started = MonotonicClock.now()
        do {
            try connection.query("SELECT pg_sleep(5)")
            Issue.record("pg_sleep(5) finished within a 0.3 s timeout")
        } catch {
            guard case .queryFailed(let state, _) = error else { throw error }
            #expect(state == "57014")
        }
        #expect(MonotonicClock.now() - started < 2)
    }

    @Test("a transaction commits, or rolls back when its body throws")
    func transactions() throws {
        let server = try PostgresInstance.current()
        let connection = PostgresConnection(settings: Self.socketSettings(server))
        try connection.query("CREATE TABLE IF NOT EXISTS client_transactions (k text PRIMARY KEY)")
        try connection.transaction { db throws(PostgresError) in
            try db.query("INSERT INTO client_transactions VALUES ($1)", ["kept"])
        }
        #expect(throws: PostgresError.self) {
            try connection.transaction { db throws(PostgresError) in
                try db.query("INSERT INTO client_transactions VALUES ($1)", ["dropped"])
                try db.query("INSERT INTO client_transactions VALUES ($1)", ["kept"])
            }
        }
        #expect(try connection.query("SELECT k FROM client_transactions").rows == [["kept"]])

        // The connection is killed inside a transaction: the rest fails, nothing runs outside it.
        let killer = PostgresConnection(settings: Self.socketSettings(server))
        #expect(throws: PostgresError.self) {
            try connection.transaction { db throws(PostgresError) in
                let pid = try db.query("SELECT pg_backend_pid()").rows.first?.first ?? nil
                try killer.query("SELECT pg_terminate_backend($1::int)", [pid])
                try db.query("INSERT INTO client_transactions VALUES ($1)", ["orphan"])
            }
        }
        #expect(try connection.query("SELECT k FROM client_transactions ORDER BY k").rows == [["kept"]], "reconnected after")
    }

    @Test("LISTEN/NOTIFY: the socket polls readable and notifications() drains what arrived")
    func listenNotify() throws {
        let server = try PostgresInstance.current()
        let listener = PostgresConnection(settings: Self.socketSettings(server))
        let sender = PostgresConnection(settings: Self.tcpSettings(server))
        try listener.listen("Routing Map")
        #expect(try listener.notifications() == [])
        try sender.notify("Routing Map", payload: "alice@example.org → backend-2 'quoted'")
        let received = try Self.waitForNotifications(listener, timeout: 5)
        let senderPID = try sender.query("SELECT pg_backend_pid()").rows.first?.first ?? nil
        #expect(received.map(\.channel) == ["Routing Map"])
        #expect(received.map(\.payload) == ["alice@example.org → backend-2 'quoted'"])
        #expect(received.map { String($0.senderPID) } == [senderPID])
        #expect(try listener.notifications() == [], "drained")

        // The listener's connection is killed: that is reported, then it is listening again.
        try sender.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'")
        var reported: PostgresError?
        let end = MonotonicClock.now() + 5
        while reported == nil, MonotonicClock.now() < end {
            do { _ = try Self.waitForNotifications(listener, timeout: 0.2) } catch let error as PostgresError { reported = error }
        }
        #expect(reported?.isConnectionProblem == true)
        #expect(try listener.notifications() == [], "reconnects and listens again")
        try sender.notify("Routing Map", payload: "after")
        #expect(try Self.waitForNotifications(listener, timeout: 5).map(\.payload) == ["after"])
    }

    /// Polls the listener's socket until notifications arrive or `timeout` passes.
    static func waitForNotifications(_ listener: PostgresConnection, timeout: Double) throws -> [PostgresNotification] {
        let end = MonotonicClock.now() + timeout
        while MonotonicClock.now() < end {
            let fd = try #require(listener.socket)
            guard DescriptorReadiness.wait(fd: fd, events: Int16(POLLIN), until: end) == .ready else { break }
            let received = try listener.notifications()
            if !received.isEmpty { return received }
        }
        return []
    }

    @Test("sql_hostnames: host[:port], [v6]:port, bare IPv6, socket directories, blanks")
    func hostnameParsing() {
        typealias Endpoint = PostgresSettings.Endpoint
        #expect(PostgresSettings.endpoints("db1, db2:5433 ,/run/postgresql,/tmp/pg:6000,[::1]:5434,::1,,") == [
            Endpoint(host: "db1"), Endpoint(host: "db2", port: "5433"), Endpoint(host: "/run/postgresql"),
            Endpoint(host: "/tmp/pg", port: "6000"), Endpoint(host: "::1", port: "5434"), Endpoint(host: "::1"),
        ])
        #expect(PostgresSettings.endpoints("") == [])
        let settings = PostgresSettings(hostnames: "", database: "", user: "cyrus", password: "", useSSL: true)
        #expect(settings.database == nil && settings.password == nil && settings.user == "cyrus" && settings.requireSSL)
    }
}

/// Reconnecting after the server restarted: its own server, so the shared one stays up.
@Suite("PostgreSQL client across a server restart")
struct PostgresRestartTests {
    @Test("a connection broken by a restart is made again before the next statement; while down it is 'unreachable'")
    func reconnectAfterRestart() throws {
        let server = try PostgresInstance.start()
        defer { server.stop() }
        let connection = PostgresConnection(settings: PostgresClientTests.socketSettings(server))
        let before = try connection.query("SELECT pg_backend_pid()").rows
        server.stopServer()
        do {
            try connection.query("SELECT 1")
            Issue.record("a query ran with the server stopped")
        } catch {
            #expect(error.isConnectionProblem, "\(error)")
        }
        try server.startServer()
        let after = try connection.query("SELECT pg_backend_pid()").rows
        #expect(after != before)
        #expect(connection.isConnected)

        // Restarted while the connection is idle: the next statement just works.
        server.stopServer()
        try server.startServer()
        #expect(try connection.query("SELECT 3").rows == [["3"]])
    }

    @Test("a server that accepts TCP but never answers costs the connect timeout, no more")
    func silentServer() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 8) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        try #require(bound)
        var settings = PostgresSettings(hostnames: "127.0.0.1:\(UInt16(bigEndian: address.sin_port))", database: nil,
                                        user: "postgres", password: nil, useSSL: false)
        settings.connectTimeout = 2
        settings.reconnectDelay = 30
        let connection = PostgresConnection(settings: settings)
        var started = MonotonicClock.now()
        #expect(throws: PostgresError.self) { try connection.query("SELECT 1") }
        #expect(MonotonicClock.now() - started < 4)
        started = MonotonicClock.now()
        #expect(throws: PostgresError.self) { try connection.query("SELECT 1") }
        #expect(MonotonicClock.now() - started < 0.5, "within reconnectDelay the failure is repeated at once")
    }
}
