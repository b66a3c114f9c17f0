import Glibc
import POSIXCore

/// What the loop's socket sources (the status socket, the metrics endpoint) share: accepting
/// without waiting, and an answer sent as far as the socket takes it each time it is writable.
enum NonBlockingSocket {
    /// The outcome of one accept on a non-blocking listening socket.
    enum Accepted {
        /// A client, its descriptor non-blocking.
        case connection(Int32)
        /// Nobody waits now.
        case none
        /// Accepting failed (EMFILE, say): the caller pauses before trying again.
        case failed(Errno)
    }

    /// Accepts the next waiting client (retrying `EINTR` and clients that left meanwhile).
    static func accept(_ listenFD: Int32) -> Accepted {
        while true {
            do throws(Errno) {
                let fd = try acceptConnection(listenFD)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                return .connection(fd)
            } catch {
                switch error.code {
                case EAGAIN, EWOULDBLOCK: return .none
                case EINTR, ECONNABORTED: continue
                default: return .failed(error)
                }
            }
        }
    }

    /// The outcome of one read from a non-blocking client.
    enum Received {
        /// Bytes were appended.
        case data
        /// Nothing more has arrived yet.
        case blocked
        /// The client closed (or the socket failed).
        case closed
    }

    /// Appends what has arrived, at most `limit` bytes (retrying `EINTR`).
    static func receive(_ fd: Int32, into buffer: inout [UInt8], limit: Int) -> Received {
        var chunk = [UInt8](repeating: 0, count: limit)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return .blocked }
            guard count > 0 else { return .closed }
            buffer += chunk[0..<count]
            return .data
        }
    }
}

/// An answer on its way out of a non-blocking socket.
struct PendingOutput {
    private var bytes: [UInt8]
    private var sent = 0

    init(_ bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    /// The state after ``send(on:)``.
    enum Progress {
        /// Everything is sent.
        case done
        /// The socket is full: call again when it polls writable.
        case blocked
        /// The peer is gone (or the socket failed): nothing more can be sent.
        case failed
    }

    /// Sends as much as the socket takes now.
    mutating func send(on fd: Int32) -> Progress {
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.send(fd, base + sent, raw.count - sent, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return .blocked }
            guard count > 0 else { return .failed }
            sent += count
        }
        return .done
    }
}
