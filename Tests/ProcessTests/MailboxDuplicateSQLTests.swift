import Foundation
import Glibc
import Testing

/// `duplicate_db: sql`: real lmtpd processes keep their duplicate records in a real PostgreSQL,
/// as two hosts delivering into shared storage would.
@Suite("lmtpd suppresses duplicates across hosts (duplicate_db: sql)", .sharedPostgres)
struct MailboxDuplicateSQLTests {
    static let date = MailboxDuplicateTests.date

    /// imapd.conf lines pointing at a fresh database of the suite's server: over the unix
    /// socket, or over TCP with the password.
    static func sqlConfig(_ server: PostgresInstance, database: String, overTCP: Bool = false) -> [String] {
        ["duplicate_db: sql", "sql_engine: pgsql", "sql_database: \(database)", "sql_user: \(server.user)"]
            + (overTCP ? ["sql_hostnames: 127.0.0.1:\(server.port)", "sql_passwd: \(server.password)"]
                       : ["sql_hostnames: \(server.socketDirectory):\(server.port)"])
    }

    static func freshDatabase(_ server: PostgresInstance) throws -> String {
        let name = "lmtpd_" + UUID().uuidString.prefix(8).lowercased()
        try server.psql("CREATE DATABASE \(name)")
        return name
    }

    /// A second "host": its own configdirectory and imapd.conf, the same partition.
    static func secondHost(of bed: MailTestbed, _ lines: [String]) throws -> URL {
        let configDirectory = bed.root.appendingPathComponent("conf-host2")
        try FileManager.default.createDirectory(at: configDirectory.appendingPathComponent("socket"), withIntermediateDirectories: true)
        let file = bed.root.appendingPathComponent("imapd-host2.conf")
        let text = (["configdirectory: \(configDirectory.path)", "partition-default: \(bed.partition.path)",
                     "servername: host2.example", "lmtp_idle_timeout: 30"] + lines).joined(separator: "\n") + "\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test("two lmtpd 'hosts' (own configdirectory, one over the socket, one over TCP) given the same messages at once store each once, both say 250")
    func twoHostsAtOnce() throws {
        let server = try PostgresInstance.current()
        let database = try Self.freshDatabase(server)
        let bed = try MailTestbed("dup-sql-race", extraConfig: Self.sqlConfig(server, database: database))
        let host2 = try Self.secondHost(of: bed, Self.sqlConfig(server, database: database, overTCP: true))
        try bed.makeFolder("alice", ".Lists")
        let count = 30
        func batch(_ order: [Int]) -> String {
            var input = "LHLO racer\r\n"
            for index in order {
                input += "MAIL FROM:<list@example.org>\r\nRCPT TO:<alice>\r\nRCPT TO:<alice+Lists>\r\nRCPT TO:<bob>\r\nDATA\r\n"
                input += "Message-ID: <sql-race-\(index)@example.org>\r\n\(Self.date)\r\nSubject: race \(index)\r\n\r\nbody \(index)\r\n.\r\n"
            }
            return input + "QUIT\r\n"
        }
        let first = try bed.startLMTPD(["--log-to-stderr"])
        try ServiceUserHandover.prepare(bed.root)
        let second = try ChildProcess(path: TestPaths.executable("lmtpd"), arguments: ["-C", host2.path, "--log-to-stderr"])
        first.send(batch(Array(0..<count)))
        second.send(batch(Array((0..<count).reversed())))
        first.closeInput()
        second.closeInput()
        let outputs = [first.readAll(), second.readAll()]
        let logs = [first.readError(timeout: 1), second.readError(timeout: 1)].joined(separator: "\n")
            .split(separator: "\n").filter { $0.contains(" error: ") || $0.contains(" warning: ") }
        #expect(logs.isEmpty, "\(logs)")
        first.wait()
        second.wait()
        for output in outputs {
            #expect(MailboxReplies.successes(replyLines(output)) == 3 * count, "\(replyLines(output).filter { !$0.hasPrefix("250") })")
        }
        for (user, folder) in [("alice", nil), ("alice", ".Lists"), ("bob", nil)] as [(String, String?)] {
            let subjects = bed.newMessages(user, folder).compactMap { message in
                message.split(separator: "\n").first { $0.hasPrefix("Subject: ") }.map(String.init)
            }
            #expect(subjects.count == count, "\(user) \(folder ?? "INBOX"): \(subjects.count) messages")
            #expect(Set(subjects).count == count)
        }
        // The records are in PostgreSQL, not in either host's SQLite file.
        let delivered = try server.psql("SELECT count(*) FROM duplicate_deliveries WHERE state = 1", database: database)
        #expect(delivered == String(3 * count))
        for conf in ["conf", "conf-host2"] {
            #expect(!FileManager.default.fileExists(atPath: bed.root.appendingPathComponent("\(conf)/deliver.db").path))
        }
    }

    @Test("a message delivered through one host is acknowledged and not stored again through the other")
    func sequentialAcrossHosts() throws {
        let server = try PostgresInstance.current()
        let database = try Self.freshDatabase(server)
        let bed = try MailTestbed("dup-sql-seq", extraConfig: Self.sqlConfig(server, database: database))
        let host2 = try Self.secondHost(of: bed, Self.sqlConfig(server, database: database, overTCP: true))
        let headers = ["Message-ID: <once-sql@example.org>", Self.date, "Subject: once"]
        #expect(MailboxReplies.successes(try bed.deliver(to: ["alice"], headers: headers)) == 1)
        try ServiceUserHandover.prepare(bed.root)
        let child = try ChildProcess(path: TestPaths.executable("lmtpd"), arguments: ["-C", host2.path])
        child.send("LHLO other\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<alice>\r\nDATA\r\n" + headers.map { $0 + "\r\n" }.joined()
                   + "\r\nhello\r\n.\r\nQUIT\r\n")
        child.closeInput()
        let output = child.readAll()
        child.wait()
        #expect(MailboxReplies.successes(replyLines(output)) == 1)
        #expect(bed.newFiles("alice").count == 1)
    }

    @Test("sql_engine other than pgsql is refused at start, saying why")
    func otherEngineRefused() throws {
        let bed = try MailTestbed("dup-sql-engine", extraConfig: ["duplicate_db: sql", "sql_engine: mysql"])
        let (output, status) = try bed.session("QUIT\r\n")
        #expect(status == 78, "EX_CONFIG, as Cyrus's fatal()")
        #expect(output.hasPrefix("421 4.3.0 lmtpd: "), "\(output)")
        #expect(output.contains("imapd.conf:5: sql_engine: mysql is not supported for duplicate_db: sql (only pgsql)"), "\(output)")
    }
}

/// PostgreSQL down: mail still flows (without suppression), and nothing waits longer than the
/// connect timeout. Own servers, so that the shared one stays up.
@Suite("lmtpd with duplicate_db: sql while PostgreSQL is down")
struct MailboxDuplicateSQLOutageTests {
    @Test("server stopped: every message is stored and acknowledged, duplicates are not suppressed, quickly")
    func serverStopped() throws {
        let server = try PostgresInstance.start()
        defer { server.stop() }
        let database = try MailboxDuplicateSQLTests.freshDatabase(server)
        let bed = try MailTestbed("dup-sql-down", extraConfig: MailboxDuplicateSQLTests.sqlConfig(server, database: database, overTCP: true))
        let headers = ["Message-ID: <down@example.org>", MailboxDuplicateSQLTests.date, "Subject: down"]
        #expect(MailboxReplies.successes(try bed.deliver(to: ["alice"], headers: headers)) == 1)
        #expect(MailboxReplies.successes(try bed.deliver(to: ["alice"], headers: headers)) == 1)
        #expect(bed.newFiles("alice").count == 1, "suppressed while the server is up")

        // One session: the server goes away between two messages of the same process.
        let lmtpd = try bed.startLMTPD()
        func message(_ id: String) -> String {
            "MAIL FROM:<s@example.org>\r\nRCPT TO:<bob>\r\nDATA\r\nMessage-ID: <\(id)@example.org>\r\n"
                + "\(MailboxDuplicateSQLTests.date)\r\nSubject: \(id)\r\n\r\nbody\r\n.\r\n"
        }
        lmtpd.send("LHLO client\r\n" + message("before-outage"))
        let beforeOutage = lmtpd.read(until: "250 2.1.5 Success", timeout: 10)
        server.stopServer()
        let started = Date()
        lmtpd.send(message("during-outage") + message("during-outage") + "QUIT\r\n")
        lmtpd.closeInput()
        let duringOutage = lmtpd.readAll(timeout: 20)
        let status = lmtpd.wait()
        #expect(Date().timeIntervalSince(started) < 5, "a refused connection costs nothing like a timeout")
        #expect(status == 0)
        #expect(MailboxReplies.successes(replyLines(beforeOutage + duringOutage)) == 3, "\(replyLines(duringOutage))")
        #expect(bed.newFiles("bob").count == 3, "the duplicate during the outage is stored again: never lost, not suppressed")

        // New processes while it is down: the same.
        #expect(MailboxReplies.successes(try bed.deliver(to: ["alice"], headers: headers)) == 1)
        #expect(bed.newFiles("alice").count == 2)
    }

    @Test("a server that accepts but never answers costs one connect timeout per process, then mail flows")
    func silentServer() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        try #require(bound)
        let bed = try MailTestbed("dup-sql-silent", extraConfig: [
            "duplicate_db: sql", "sql_hostnames: 127.0.0.1:\(UInt16(bigEndian: address.sin_port))", "sql_user: cyrus",
        ])
        let started = Date()
        var input = "LHLO client\r\n"
        for index in 0..<3 {
            input += "MAIL FROM:<s@example.org>\r\nRCPT TO:<alice>\r\nDATA\r\nMessage-ID: <silent-\(index)@example.org>\r\n"
                + "Subject: \(index)\r\n\r\nbody\r\n.\r\n"
        }
        let (output, status) = try bed.session(input + "QUIT\r\n")
        let elapsed = Date().timeIntervalSince(started)
        #expect(status == 0)
        #expect(MailboxReplies.successes(replyLines(output)) == 3, "\(replyLines(output))")
        #expect(bed.newFiles("alice").count == 3)
        #expect(elapsed < 8, "one 3 s connect timeout for the whole session, not one per statement (\(elapsed) s)")
    }
}
