import Glibc
import POSIXCore

/// One client of the status socket: its request line read and its answer written without
/// ever blocking (the descriptor is non-blocking), before a deadline the server enforces.
final class StatusConnection {
    /// What the client asked for.
    enum Request: String {
        case text, json
    }

    enum Phase: Equatable {
        /// Waiting for the request line.
        case reading
        /// The request is complete; the answer is made after the loop's next pass.
        case answering(Request)
        /// Writing the answer.
        case writing
        /// Refused and answered: what the client still sends is read and dropped until it
        /// closes (closing with unread data would reset the connection and could lose the
        /// refusal line on its way).
        case draining
        /// Done or failed: to be closed.
        case finished
    }

    /// A request longer than this is refused.
    static let longestRequest = 64

    let fd: Int32
    let peer: PeerCredentials
    /// Monotonic time by which the exchange must be over.
    let deadline: Double
    private(set) var phase = Phase.reading
    private var input: [UInt8] = []
    private var output = PendingOutput()

    init(fd: Int32, peer: PeerCredentials, deadline: Double) {
        self.fd = fd
        self.peer = peer
        self.deadline = deadline
    }

    /// Reads what has arrived; a complete line becomes the request (an unknown one is
    /// answered with an error line). End of file or an error before that ends the exchange.
    func readRequest() {
        while phase == .reading {
            switch NonBlockingSocket.receive(fd, into: &input, limit: Self.longestRequest) {
            case .blocked: return
            case .closed:
                phase = .finished
                return
            case .data: break
            }
            if let newline = input.firstIndex(of: UInt8(ascii: "\n")) {
                var line = input[..<newline]
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                let text = String(decoding: line, as: UTF8.self)
                if let request = Request(rawValue: text) {
                    phase = .answering(request)
                } else {
                    answer("error: unknown request (expected \"text\" or \"json\")\n")
                }
            } else if input.count > Self.longestRequest {
                answer("error: request too long\n")
            }
        }
    }

    /// Starts writing `text` and writes as much as the socket takes now.
    func answer(_ text: String) {
        output = PendingOutput(Array(text.utf8))
        phase = .writing
        writeSome()
    }

    /// Writes until the answer is out (then finished) or the socket is full.
    func writeSome() {
        guard phase == .writing else { return }
        if output.send(on: fd) != .blocked { phase = .finished }
    }

    /// Sends `line` now (as far as the socket takes it: a refusal is short), ends the sending
    /// side, and drains what the client sends until it closes.
    func refuse(_ line: String) {
        _ = line.utf8CString.withUnsafeBytes { raw in
            send(fd, raw.baseAddress, raw.count - 1, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
        }
        _ = shutdown(fd, Int32(SHUT_WR))
        phase = .draining
        drain()
    }

    /// Reads and drops what has arrived; end of file or an error ends the exchange.
    func drain() {
        var dropped: [UInt8] = []
        while phase == .draining {
            switch NonBlockingSocket.receive(fd, into: &dropped, limit: 512) {
            case .blocked: return
            case .closed: phase = .finished
            case .data: dropped.removeAll(keepingCapacity: true)
            }
        }
    }

    /// A hangup or an error: nothing more can be read or written.
    func fail() {
        phase = .finished
    }

    /// What the client did not do in time, for the log.
    var stalledStep: String {
        phase == .writing ? "did not read its answer" : "sent no request"
    }
}
