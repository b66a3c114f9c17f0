import Foundation
import Glibc

/// A minimal LMTP client over a real socket, for tests: connects, runs one transaction, and
/// returns the replies.
enum LMTPClient {
    enum Target {
        case unix(String)
        case tcp(port: UInt16)
    }

    struct Transcript {
        var greeting: String
        var rcptReplies: [String]
        var dataReplies: [String]
    }

    /// Connects to `target`, sends LHLO, MAIL, one RCPT per recipient, DATA with a small
    /// message carrying `subject`, then QUIT.
    static func deliver(to target: Target, recipients: [String], subject: String, timeout: Double = 20) throws -> Transcript {
        let socket = try SocketConnection(target)
        defer { socket.close() }
        let greeting = try socket.readReply(timeout: timeout)
        try socket.send("LHLO tester\r\n")
        _ = try socket.readReply(timeout: timeout)
        try socket.send("MAIL FROM:<tester@example.org>\r\n")
        _ = try socket.readReply(timeout: timeout)
        var rcpt: [String] = []
        for recipient in recipients {
            try socket.send("RCPT TO:<\(recipient)>\r\n")
            rcpt.append(try socket.readReply(timeout: timeout))
        }
        try socket.send("DATA\r\n")
        let go = try socket.readReply(timeout: timeout)
        var data: [String] = []
        if go.hasPrefix("354") {
            try socket.send("Subject: \(subject)\r\n\r\nbody of \(subject)\r\n.\r\n")
            for _ in rcpt.filter({ $0.hasPrefix("250") }) {
                data.append(try socket.readReply(timeout: timeout))
            }
        }
        try socket.send("QUIT\r\n")
        _ = try? socket.readReply(timeout: timeout)
        return Transcript(greeting: greeting, rcptReplies: rcpt, dataReplies: data)
    }
}

/// A connected stream socket with line-oriented reply reading.
final class SocketConnection {
    let fd: Int32
    private var pending: [UInt8] = []

    init(_ target: LMTPClient.Target) throws {
        switch target {
        case .unix(let path):
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                let bytes = Array(path.utf8.prefix(raw.count - 1))
                raw.copyBytes(from: bytes + [0])
            }
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if rc != 0 { let code = errno; Glibc.close(fd); throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO) }
        case .tcp(let port):
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if rc != 0 { let code = errno; Glibc.close(fd); throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO) }
        }
    }

    func send(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Reads one whole reply (continuation lines `ddd-` up to the final `ddd `); returns its
    /// final line. Throws on EOF or timeout.
    func readReply(timeout: Double) throws -> String {
        let end = Date().addingTimeInterval(timeout)
        while true {
            while let lf = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<lf], as: UTF8.self).trimmingCharacters(in: .newlines)
                pending.removeSubrange(...lf)
                let bytes = Array(line.utf8)
                if bytes.count < 4 || bytes[3] == UInt8(ascii: " ") { return line }
            }
            guard Date() < end, waitReadable(fd, until: end) else { throw POSIXError(.ETIMEDOUT) }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { throw POSIXError(.ECONNRESET) }
            pending += chunk[0..<n]
        }
    }

    func close() { Glibc.close(fd) }
}

/// A TCP port on 127.0.0.1 that was free a moment ago, chosen below the kernel's ephemeral
/// range (32768-60999) so that no concurrent `bind(0)` or outgoing connection takes it.
func freeTCPPort(in range: Range<UInt16> = 20000..<32768) throws -> UInt16 {
    for _ in 0..<200 {
        let port = UInt16.random(in: range)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        close(fd)
        if bound { return port }
    }
    throw POSIXError(.EADDRINUSE)
}

/// Waits until a unix socket accepts connections.
func waitForSocket(_ path: String, timeout: Double) throws {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
        if let connection = try? SocketConnection(.unix(path)) {
            connection.close()
            return
        }
        usleep(50_000)
    }
    throw POSIXError(.ETIMEDOUT)
}
