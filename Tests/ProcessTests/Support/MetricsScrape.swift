import Foundation
import Glibc

/// One `GET /metrics` answer, as a scraper sees it.
struct MetricsScrape {
    let statusLine: String
    let headers: [String: String]
    let body: String

    /// The value of the sample written exactly as `series` (`name` or `name{labels}`).
    func value(_ series: String) -> Double? {
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count >= 2 && parts[0] == series { return Double(parts[1]) }
        }
        return nil
    }

    /// Fetches `/metrics` (or `path`) from `target` with `accept`, or nil when nothing answers.
    static func fetch(_ target: MasterTarget, path: String = "/metrics", accept: String? = nil,
                      timeout: Double = 10) -> MetricsScrape? {
        guard case .success(let client) = MasterClient.connect(target) else { return nil }
        client.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\n" + (accept.map { "Accept: \($0)\r\n" } ?? "") + "\r\n")
        guard let statusLine = client.readLine(timeout: timeout) else { return nil }
        var headers: [String: String] = [:]
        while let line = client.readLine(timeout: timeout), !line.isEmpty {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2 { headers[pair[0].lowercased()] = pair[1].trimmingCharacters(in: .whitespaces) }
        }
        var body: [String] = []
        while let line = client.readLine(timeout: timeout) { body.append(line) }
        return MetricsScrape(statusLine: statusLine, headers: headers, body: body.joined(separator: "\n") + "\n")
    }
}
