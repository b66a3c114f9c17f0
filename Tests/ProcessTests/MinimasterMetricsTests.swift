import Foundation
import Glibc
import Testing

/// minimaster's metrics endpoint against real lmtpd children: exact counts after known
/// deliveries and refusals, counts that survive a reload and a killed child, the formats, a
/// scraper that never finishes, and `maxchild` reached.
@Suite("minimaster metrics")
struct MinimasterMetricsTests {
    /// A testbed with `prometheus_enabled` on a free loopback port, and an lmtpd service on a
    /// unix socket.
    static func harness(_ label: String, prefork: Int = 1, maxchild: Int = 5) throws -> (MasterHarness, MasterTarget) {
        let h = try MasterHarness(label)
        let port = masterFreePort()
        try h.bed.appendConfig(["prometheus_enabled: yes", "prometheus_listen: 127.0.0.1:\(port)"])
        try h.writeConf(services: "  lmtp cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=\(prefork) maxchild=\(maxchild)")
        return (h, .inet("127.0.0.1", port))
    }

    /// One LMTP session delivering a message to `recipients` (refused ones included).
    static func deliver(_ h: MasterHarness, to recipients: [String], messageID: String) throws -> [String] {
        guard case .success(let client) = MasterClient.connect(.unix(h.socket("lmtp"))),
              client.readLine()?.hasPrefix("220") == true else {
            throw HarnessError("no LMTP greeting; minimaster \(kill(h.pid, 0) == 0 ? "alive" : "gone"), children \(h.children()):\n\(h.log())\n" + ((try? String(contentsOfFile: h.imapdConf, encoding: .utf8)) ?? ""))
        }
        client.send("LHLO test\r\n")
        _ = client.readReply()
        client.send("MAIL FROM:<sender@example.org>\r\n")
        _ = client.readReply()
        var accepted = 0
        var replies: [String] = []
        for recipient in recipients {
            client.send("RCPT TO:<\(recipient)>\r\n")
            let reply = client.readReply() ?? ""
            replies.append(reply)
            if reply.hasPrefix("250") { accepted += 1 }
        }
        if accepted > 0 {
            client.send("DATA\r\n")
            _ = client.readReply()
            client.send("Message-ID: <\(messageID)>\r\nSubject: metrics\r\n\r\nhello\r\n.\r\n")
            for _ in 0..<accepted { replies.append(client.readReply() ?? "") }
        }
        client.send("QUIT\r\n")
        _ = client.readLine()
        return replies
    }

    /// Scrapes until `check` holds (children publish as they go; minimaster sums when asked).
    static func scrape(_ target: MasterTarget, until check: (MetricsScrape) -> Bool) -> MetricsScrape? {
        var last: MetricsScrape?
        _ = waitUntil(timeout: 10) {
            last = MetricsScrape.fetch(target)
            return last.map(check) ?? false
        }
        return last
    }

    @Test("after known deliveries and refusals a scrape gives the exact counts, in Prometheus's text format")
    func exactCounts() throws {
        let (h, target) = try Self.harness("metrics-exact")
        try h.start()
        defer { h.stop() }
        _ = try Self.deliver(h, to: ["alice", "bob"], messageID: "m1@example.org")
        _ = try Self.deliver(h, to: ["alice", "nobody"], messageID: "m2@example.org")
        _ = try Self.deliver(h, to: ["alice"], messageID: "m1@example.org")   // a duplicate for alice
        // A child clears its active gauge just after its last reply: wait for that too.
        let scrape = try #require(Self.scrape(target) { $0.value("cyrus_lmtp_connections_total") == 3 && $0.value("cyrus_lmtp_active_connections") == 0 })
        #expect(scrape.statusLine == "HTTP/1.1 200 OK")
        #expect(scrape.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(scrape.value("cyrus_lmtp_received_messages_total") == 3)
        #expect(scrape.value("cyrus_lmtp_received_recipients_total") == 4)
        #expect(scrape.value(#"lmtpd_deliveries_total{status="delivered"}"#) == 3)
        #expect(scrape.value(#"lmtpd_deliveries_total{status="duplicate"}"#) == 1)
        #expect(scrape.value(#"lmtpd_deliveries_total{status="unknown_user"}"#) == 1)
        #expect(scrape.value("lmtpd_message_size_bytes_count") == 3)
        #expect(scrape.value("lmtpd_delivery_latency_seconds_count") == 3)
        #expect(scrape.value(#"lmtpd_delivery_latency_seconds_bucket{le="+Inf"}"#) == 3)
        #expect(scrape.value("cyrus_lmtp_active_connections") == 0)
        #expect(scrape.value(#"cyrus_master_max_children{service="lmtp",family="unix"}"#) == 5)
        let forks = try #require(scrape.value(#"cyrus_master_forks_total{service="lmtp",family="unix"}"#))
        #expect(forks >= 1 && Double(h.children().count) <= forks)
        #expect(scrape.body.contains("# TYPE cyrus_lmtp_connections_total counter"))
        #expect(!scrape.body.contains("# EOF"))
    }

    @Test("OpenMetrics when the scraper asks for it; 404 elsewhere")
    func formats() throws {
        let (h, target) = try Self.harness("metrics-formats")
        try h.start()
        defer { h.stop() }
        let open = try #require(MetricsScrape.fetch(target, accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"))
        #expect(open.headers["content-type"]?.hasPrefix("application/openmetrics-text; version=1.0.0") == true)
        #expect(open.body.hasSuffix("# EOF\n"))
        #expect(open.body.contains("# TYPE cyrus_lmtp_connections counter\ncyrus_lmtp_connections_total 0\n"))
        #expect(MetricsScrape.fetch(target, path: "/")?.statusLine == "HTTP/1.1 404 Not Found")
    }

    @Test("prometheus_listen may be a unix socket path")
    func unixSocketEndpoint() throws {
        let h = try MasterHarness("metrics-unix")
        let path = h.socket("metrics")
        try h.bed.appendConfig(["prometheus_enabled: yes", "prometheus_listen: \(path)"])
        try h.writeConf(services: "  lmtp cmd=\"\(h.lmtpd())\" listen=\"\(h.socket("lmtp"))\" prefork=1")
        try h.start()
        defer { h.stop() }
        _ = try Self.deliver(h, to: ["alice"], messageID: "unix@example.org")
        let scrape = Self.scrape(.unix(path)) { $0.value("cyrus_lmtp_received_messages_total") == 1 }
        #expect(scrape?.statusLine == "HTTP/1.1 200 OK", "\(scrape?.body ?? "no answer on \(path)")")
    }

    @Test("counts survive a SIGHUP reload (children recycled) and a child killed with SIGKILL")
    func countsSurvive() throws {
        let (h, target) = try Self.harness("metrics-survive")
        try h.start()
        defer { h.stop() }
        for index in 0..<3 { _ = try Self.deliver(h, to: ["alice"], messageID: "s\(index)@example.org") }
        #expect(Self.scrape(target) { $0.value("cyrus_lmtp_received_messages_total") == 3 } != nil)
        let before = Set(h.children())
        kill(h.pid, SIGHUP)
        #expect(waitUntil(timeout: 10) { !Set(h.children()).isEmpty && Set(h.children()).isDisjoint(with: before) },
                "the children were recycled")
        _ = try Self.deliver(h, to: ["bob"], messageID: "s3@example.org")
        let afterReload = Self.scrape(target) { $0.value("cyrus_lmtp_received_messages_total") == 4 }
        #expect(afterReload?.value("minimaster_reloads_total") == 1)
        #expect(afterReload?.value(#"lmtpd_deliveries_total{status="delivered"}"#) == 4)
        for child in h.children() { kill(child, SIGKILL) }
        #expect(waitUntil(timeout: 10) { !h.children().isEmpty })
        _ = try Self.deliver(h, to: ["alice"], messageID: "s4@example.org")
        let afterKill = Self.scrape(target) { $0.value("cyrus_lmtp_received_messages_total") == 5 }
        #expect(afterKill?.value(#"lmtpd_deliveries_total{status="delivered"}"#) == 5, "\(afterKill?.body ?? "no scrape")")
        #expect(afterKill?.value("cyrus_lmtp_connections_total") == 5)
    }

    @Test("scrapers that connect and never send stall nothing: deliveries and other scrapes go on")
    func stalledScrapers() throws {
        let (h, target) = try Self.harness("metrics-stalled", prefork: 0)
        try h.start()
        defer { h.stop() }
        var idle: [MasterClient] = []
        for _ in 0..<20 {
            if case .success(let client) = MasterClient.connect(target) { idle.append(client) }
        }
        #expect(idle.count == 20)
        let started = Date()
        let replies = try Self.deliver(h, to: ["alice"], messageID: "stall@example.org")
        #expect(replies.last?.hasPrefix("250") == true, "\(replies)")
        #expect(Date().timeIntervalSince(started) < 3, "a fork was not held up")
        #expect(Self.scrape(target) { $0.value("cyrus_lmtp_received_messages_total") == 1 } != nil)
        withExtendedLifetime(idle) {}
    }

    @Test("maxchild reached is counted and logged once")
    func maxchildReached() throws {
        let (h, target) = try Self.harness("metrics-maxchild", prefork: 0, maxchild: 1)
        try h.start()
        defer { h.stop() }
        guard case .success(let held) = MasterClient.connect(.unix(h.socket("lmtp"))) else { throw HarnessError("connect") }
        #expect(held.readLine()?.hasPrefix("220") == true)
        guard case .success(let waiting) = MasterClient.connect(.unix(h.socket("lmtp"))) else { throw HarnessError("connect") }
        #expect(h.waitForLog("maxchild (1) reached", timeout: 10), "\(h.log())")
        #expect(Self.scrape(target) { $0.value(#"minimaster_maxchild_reached_total{service="lmtp",family="unix"}"#) == 1 } != nil)
        held.send("QUIT\r\n")
        #expect(waiting.readLine(timeout: 10)?.hasPrefix("220") == true, "the waiting client is served once the child is free")
        #expect(h.logLines(containing: "maxchild (1) reached").count == 1)
    }
}
