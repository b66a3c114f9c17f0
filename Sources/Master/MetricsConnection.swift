import Glibc

/// One HTTP/1.x exchange on the metrics endpoint, read and written without ever blocking (the
/// descriptor is non-blocking): the request head is read up to its blank line, one response is
/// written, the connection is closed (`Connection: close`). Only `GET /metrics` (and `HEAD`)
/// are served; anything else gets its 4xx.
final class MetricsConnection {
    enum Phase: Equatable {
        /// Reading the request head.
        case reading
        /// A scrape asked for this format; the answer is made after the loop's next pass.
        case scraping(MetricsExposition.Format, head: Bool)
        /// Writing the response.
        case writing
        /// Done or failed: to be closed.
        case finished
    }

    /// A request head longer than this gets 431.
    static let longestHead = 8192

    let fd: Int32
    /// Monotonic time by which the exchange must be over.
    let deadline: Double
    private(set) var phase = Phase.reading
    private var input: [UInt8] = []
    private var output = PendingOutput()

    init(fd: Int32, deadline: Double) {
        self.fd = fd
        self.deadline = deadline
    }

    /// Reads what has arrived; a complete head becomes a scrape or an error response.
    func readRequest() {
        while phase == .reading {
            switch NonBlockingSocket.receive(fd, into: &input, limit: 2048) {
            case .blocked: return
            case .closed:
                phase = .finished
                return
            case .data: break
            }
            if let end = Self.headEnd(input) {
                decide(Array(input[..<end]))
            } else if input.count > Self.longestHead {
                respond(status: "431 Request Header Fields Too Large", body: "request head too long\n")
            }
        }
    }

    /// Where the head ends (after its blank line), if it has.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for index in 1..<bytes.count where bytes[index] == 0x0A {
            if bytes[index - 1] == 0x0A { return index + 1 }
            if index >= 3 && bytes[index - 1] == 0x0D && bytes[index - 2] == 0x0A { return index + 1 }
        }
        return nil
    }

    private func decide(_ head: [UInt8]) {
        let lines = String(decoding: head, as: UTF8.self).split(whereSeparator: { $0 == "\r\n" || $0 == "\n" })
        let words = lines.first?.split(separator: " ") ?? []
        guard words.count == 3, words[2].hasPrefix("HTTP/1.") else {
            respond(status: "400 Bad Request", body: "malformed request\n")
            return
        }
        let path = words[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        guard path == "/metrics" else {
            respond(status: "404 Not Found", body: "only /metrics is served here\n")
            return
        }
        guard words[0] == "GET" || words[0] == "HEAD" else {
            respond(status: "405 Method Not Allowed", body: "only GET and HEAD\n", extra: "Allow: GET, HEAD\r\n")
            return
        }
        let accept = lines.dropFirst().first { $0.lowercased().hasPrefix("accept:") }.map { $0.lowercased() } ?? ""
        phase = .scraping(accept.contains("application/openmetrics-text") ? .openMetrics : .prometheus, head: words[0] == "HEAD")
    }

    /// Starts writing a response and writes as much as the socket takes now.
    func respond(status: String, contentType: String = "text/plain; charset=utf-8", body: String, extra: String = "",
                 omitBody: Bool = false) {
        let bytes = Array(body.utf8)
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\n"
            + extra + "Connection: close\r\n\r\n"
        output = PendingOutput(Array(head.utf8) + (omitBody ? [] : bytes))
        phase = .writing
        writeSome()
    }

    /// Writes until the response is out (then finished) or the socket is full.
    func writeSome() {
        guard phase == .writing else { return }
        if output.send(on: fd) != .blocked { phase = .finished }
    }

    /// A hangup or an error: nothing more can be read or written.
    func fail() {
        phase = .finished
    }
}
