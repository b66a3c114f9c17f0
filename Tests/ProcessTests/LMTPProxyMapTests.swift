import Foundation
import Glibc
import Testing

/// lmtpproxyd with its routing map in a real PostgreSQL: users in `mailbox_routes` go where the
/// table says, others where the hash says; an UPDATE with its NOTIFY moves a user for the next
/// message; with PostgreSQL stopped, users the proxy knows keep flowing and the others get
/// `451 4.4.3` until it is back.
@Suite("lmtpproxyd: the routing map in PostgreSQL")
struct LMTPProxyMapTests {
    static let users = (0..<12).map { "user\($0)" }

    /// A fresh database with the table, and the proxy testbed pointed at it (over the socket).
    static func bed(_ label: String, _ server: PostgresInstance) throws -> ProxyTestbed {
        let database = "routes_" + UUID().uuidString.prefix(8).lowercased()
        try server.psql("CREATE DATABASE \(database)")
        try server.psql("CREATE TABLE mailbox_routes (userid text PRIMARY KEY, backend text NOT NULL)", database: database)
        return try ProxyTestbed(label, backends: 3, proxies: 1, users: users, proxyConfig: [
            "sql_engine: pgsql", "sql_hostnames: \(server.socketDirectory):\(server.port)",
            "sql_database: \(database)", "sql_user: \(server.user)",
        ])
    }

    static func database(of bed: ProxyTestbed) -> String {
        let config = (try? String(contentsOfFile: bed.proxies[0].imapdConf, encoding: .utf8)) ?? ""
        return config.split(separator: "\n").first { $0.hasPrefix("sql_database: ") }.map { String($0.dropFirst(14)) } ?? ""
    }

    @Test("listed users go where the table says, the others where the hash says; UPDATE + NOTIFY moves the next message")
    func mapAndMove() throws {
        let server = try PostgresInstance.start()
        defer { server.stop() }
        let bed = try Self.bed("proxy-map", server)
        let database = Self.database(of: bed)
        try bed.start()
        defer { bed.stop() }
        // Where the hash puts each user, learned from a first message without any row.
        let client = try ProxyClient(port: bed.proxyPorts[0])
        #expect(client.deliver(to: Self.users, messageID: "hashed@example.org").allSatisfy { $0.hasPrefix("250") })
        let hashed = Dictionary(uniqueKeysWithValues: Self.users.map { ($0, bed.holder(of: $0).first?.backend ?? -1) })
        // user0 and user1 listed elsewhere than their hash.
        let moved = ["user0": (hashed["user0"]! + 1) % 3, "user1": (hashed["user1"]! + 2) % 3]
        for (user, backend) in moved {
            try server.psql("INSERT INTO mailbox_routes VALUES ('\(user)', 'b\(backend)')", database: database)
        }
        try server.psql("SELECT pg_notify('mailbox_routes', '')", database: database)
        usleep(600_000)
        #expect(client.deliver(to: Self.users, messageID: "listed@example.org").allSatisfy { $0.hasPrefix("250") })
        for user in Self.users {
            let expected = moved[user] ?? hashed[user]!
            #expect(bed.backends[expected].bed.files(user).count == (moved[user] == nil ? 2 : 1), "\(user) on b\(expected)")
        }
        // A move by SQL: the row changes, the NOTIFY names the user; the next message follows.
        let target = (moved["user0"]! + 1) % 3
        try server.psql("UPDATE mailbox_routes SET backend = 'b\(target)' WHERE userid = 'user0'; SELECT pg_notify('mailbox_routes', 'user0')",
                        database: database)
        usleep(600_000)
        #expect(client.deliver(to: ["user0"], messageID: "after-move@example.org").first?.hasPrefix("250") == true)
        client.quit()
        #expect(bed.backends[target].bed.files("user0").count == (target == hashed["user0"]! ? 2 : 1), "user0 followed its move to b\(target)")
    }

    @Test("PostgreSQL stopped: users the proxy knows get 250, the others 451 4.4.3; back: every user flows")
    func outage() throws {
        let server = try PostgresInstance.start()
        defer { server.stop() }
        let bed = try Self.bed("proxy-map-down", server)
        try bed.start()
        defer { bed.stop() }
        let known = Array(Self.users.prefix(6)), unknown = Array(Self.users.suffix(6))
        let client = try ProxyClient(port: bed.proxyPorts[0])
        #expect(client.deliver(to: known, messageID: "warm@example.org").allSatisfy { $0.hasPrefix("250") })
        server.stopServer()
        let during = client.deliver(to: known + unknown, messageID: "during@example.org")
        #expect(during.prefix(6).allSatisfy { $0.hasPrefix("250") }, "known users: \(during)")
        #expect(during.suffix(6).allSatisfy { $0.hasPrefix("451 4.4.3") }, "unknown users: \(during)")
        try server.startServer()
        var after: [String] = []
        let flowing = waitUntil(timeout: 15) {
            after = client.deliver(to: unknown, messageID: "after@example.org")
            return after.allSatisfy { $0.hasPrefix("250") }
        }
        #expect(flowing, "\(after)")
        client.quit()
        for user in unknown { #expect(bed.holder(of: user).map(\.count) == [1], "\(user): \(bed.holder(of: user))") }
        #expect(bed.proxies[0].logLines(containing: "routing map unreachable").count == 1, "logged once: \(bed.proxies[0].log())")
    }
}
