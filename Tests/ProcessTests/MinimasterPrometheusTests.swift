import Foundation
import Glibc
import Testing

/// The metrics endpoint as Prometheus itself sees it: Debian's `prometheus` scrapes minimaster
/// on loopback and reports the target up, and `promtool check metrics` finds nothing to fault.
@Suite("minimaster metrics: scraped by a real Prometheus")
struct MinimasterPrometheusTests {
    static let prometheus = "/usr/bin/prometheus"
    static let promtool = "/usr/bin/promtool"

    @Test("Prometheus scrapes the endpoint (its /api/v1/targets says up) and promtool check metrics passes")
    func realPrometheus() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.prometheus),
              FileManager.default.isExecutableFile(atPath: Self.promtool) else {
            print("skipped: \(Self.prometheus) or \(Self.promtool) missing (Debian's prometheus; run scripts/setup-deps)")
            return
        }
        let (h, target) = try MinimasterMetricsTests.harness("metrics-prometheus")
        try h.start()
        defer { h.stop() }
        _ = try MinimasterMetricsTests.deliver(h, to: ["alice", "nobody"], messageID: "prom@example.org")
        guard case .inet(_, let port) = target else { throw HarnessError("no port") }

        // promtool lints what a scrape returns (both formats read the same way).
        let body = try #require(MetricsScrape.fetch(target)).body
        let check = try ChildProcess(path: Self.promtool, arguments: ["check", "metrics"])
        check.send(body)
        check.closeInput()
        let lint = check.readAll() + check.readError()
        #expect(check.wait() == 0, "promtool check metrics: \(lint)")
        #expect(lint.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(lint)")

        // A private Prometheus on loopback with a temporary configuration and storage.
        let root = h.bed.root.appendingPathComponent("prometheus")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let webPort = masterFreePort()
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: minimaster
                static_configs:
                  - targets: ['127.0.0.1:\(port)']
            """
        try config.write(to: root.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let server = try ChildProcess(path: Self.prometheus, arguments: [
            "--config.file=\(root.path)/prometheus.yml", "--storage.tsdb.path=\(root.path)/data",
            "--web.listen-address=127.0.0.1:\(webPort)", "--log.level=warn",
        ])
        defer {
            server.kill(SIGTERM)
            if server.wait(timeout: 10) < 0 { server.kill(SIGKILL); _ = server.wait() }
        }
        var targets = ""
        let up = waitUntil(timeout: 30) {
            targets = Self.get("127.0.0.1", webPort, "/api/v1/targets") ?? ""
            return targets.contains("\"health\":\"up\"")
        }
        #expect(up, "Prometheus's targets: \(targets); its log: \(server.readError(timeout: 1))")
        #expect(targets.contains("127.0.0.1:\(port)"))
        // And it stored what it scraped: the recipient refused at RCPT.
        var query = ""
        let stored = waitUntil(timeout: 15) {
            query = Self.get("127.0.0.1", webPort, "/api/v1/query?query=lmtpd_deliveries_total%7Bstatus%3D%22unknown_user%22%7D") ?? ""
            return query.contains("\"1\"]")
        }
        #expect(stored, "query answer: \(query)")
    }

    /// The body of a plain HTTP/1.0 GET, read to the end of the connection (nil when nothing
    /// answers).
    static func get(_ host: String, _ port: Int, _ path: String) -> String? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(host)\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 5000) > 0 else { return nil }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            response += chunk[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        return text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) }
    }
}
