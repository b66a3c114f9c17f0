import POSIXCore

/// How long the proxy waits on a backend (ours: `proxy_connect_timeout`, `proxy_timeout`).
public struct ProxyTimeouts: Sendable, Equatable {
    /// Seconds to connect and get the greeting and the LHLO answer.
    public var connect: Double
    /// Seconds for any one reply, or to write any one piece of a message.
    public var reply: Double

    public init(connect: Double = 10, reply: Double = 300) {
        self.connect = connect
        self.reply = reply
    }
}

/// The proxy's LMTP client side to one backend: connected on first use, `LHLO` sent, then kept
/// open across sessions (the transaction is reset with `RSET` before the next one if it did not
/// end with the message). Every wait is bounded (``ProxyTimeouts``); any error closes the
/// connection, and the next use opens a new one.
final class BackendConnection {
    let backend: ProxyBackend
    let timeouts: ProxyTimeouts
    private var socket: BackendSocket?
    /// The capabilities of the LHLO answer (upper case, first word), e.g. `PIPELINING`.
    private(set) var capabilities: Set<String> = []
    /// A MAIL was sent and the transaction has not ended yet.
    var inTransaction = false

    init(backend: ProxyBackend, timeouts: ProxyTimeouts) {
        self.backend = backend
        self.timeouts = timeouts
    }

    /// Whether a connection is open (it may still turn out to be broken).
    var isOpen: Bool { socket != nil }

    /// Opens the connection and greets the backend unless open already; a connection the
    /// backend closed while idle is replaced.
    func ensureOpen(lhloName: String) throws(BackendSocket.Failure) {
        if let socket, !socket.looksClosed { return }
        close()
        let deadline = MonotonicClock.now() + timeouts.connect
        let socket = try BackendSocket.connect(backend.address, timeout: timeouts.connect)
        self.socket = socket
        do throws(BackendSocket.Failure) {
            let greeting = try readReply(until: deadline)
            guard greeting.last?.hasPrefix("220") == true else { throw BackendSocket.Failure(description: "greeting: \(greeting.last ?? "")") }
            try socket.write("LHLO \(lhloName)\r\n", until: deadline)
            let answer = try readReply(until: deadline)
            guard answer.last?.hasPrefix("250") == true else { throw BackendSocket.Failure(description: "LHLO: \(answer.last ?? "")") }
            capabilities = Set(answer.dropFirst().map { line in
                String(line.dropFirst(4).split(separator: " ").first ?? "").uppercased()
            })
        } catch {
            close()
            throw error
        }
    }

    /// Sends one command line and returns the reply's lines.
    func command(_ line: String) throws(BackendSocket.Failure) -> [String] {
        try send(line + "\r\n")
        return try readReply()
    }

    /// Sends `text` as it is (commands, pipelined).
    func send(_ text: String) throws(BackendSocket.Failure) {
        guard let socket else { throw BackendSocket.Failure(description: "not connected") }
        do throws(BackendSocket.Failure) {
            try socket.write(text, until: MonotonicClock.now() + timeouts.reply)
        } catch {
            close()
            throw error
        }
    }

    /// Sends message bytes as they are (already in DATA's wire form).
    func send(bytes: [UInt8]) throws(BackendSocket.Failure) {
        guard let socket else { throw BackendSocket.Failure(description: "not connected") }
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(BackendSocket.Failure) in try socket.write(raw, until: MonotonicClock.now() + timeouts.reply) }
        }
        do throws(BackendSocket.Failure) { try result.get() } catch {
            close()
            throw error
        }
    }

    /// One reply: its lines up to the one whose fourth character is a space.
    func readReply(until deadline: Double? = nil) throws(BackendSocket.Failure) -> [String] {
        guard let socket else { throw BackendSocket.Failure(description: "not connected") }
        let end = deadline ?? MonotonicClock.now() + timeouts.reply
        var lines: [String] = []
        do throws(BackendSocket.Failure) {
            while true {
                let line = try socket.readLine(until: end)
                lines.append(line)
                let bytes = Array(line.utf8)
                guard bytes.count >= 3, bytes[0..<3].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    throw BackendSocket.Failure(description: "not an LMTP reply: \(line.prefix(80))")
                }
                if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") { return lines }
                if lines.count > 100 { throw BackendSocket.Failure(description: "reply of more than 100 lines") }
            }
        } catch {
            close()
            throw error
        }
    }

    /// Ends an unfinished transaction (`RSET`) before a new one.
    func resetIfNeeded() throws(BackendSocket.Failure) {
        guard inTransaction else { return }
        let reply = try command("RSET")
        guard reply.last?.hasPrefix("250") == true else {
            close()
            throw BackendSocket.Failure(description: "RSET: \(reply.last ?? "")")
        }
        inTransaction = false
    }

    /// Closes the connection (a `QUIT` is not waited for).
    func close() {
        socket?.close()
        socket = nil
        inTransaction = false
    }
}
