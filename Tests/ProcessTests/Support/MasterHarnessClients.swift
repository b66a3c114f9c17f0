import Foundation
import Glibc

/// Where a test client connects.
enum MasterTarget: CustomStringConvertible {
    case unix(String)
    /// A numeric IPv4 or IPv6 address and a port.
    case inet(String, Int)

    var description: String {
        switch self {
        case .unix(let path): return path
        case .inet(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}

/// A line-oriented test client on a real socket (blocking connect, reads with timeouts).
final class MasterClient {
    let fd: Int32
    private var pending: [UInt8] = []

    private init(fd: Int32) { self.fd = fd }

    deinit { Glibc.close(fd) }

    /// Connects; the errno on failure (ECONNREFUSED, ENOENT, ...).
    static func connect(_ target: MasterTarget) -> Result<MasterClient, POSIXError> {
        switch target {
        case .unix(let path):
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
            }
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            return finish(fd, rc)
        case .inet(let host, let port):
            var hints = addrinfo()
            hints.ai_flags = AI_NUMERICHOST
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, "\(port)", &hints, &list) == 0, let info = list else { return .failure(POSIXError(.EINVAL)) }
            defer { freeaddrinfo(list) }
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
            return finish(fd, Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen))
        }
    }

    private static func finish(_ fd: Int32, _ rc: Int32) -> Result<MasterClient, POSIXError> {
        if rc == 0 { return .success(MasterClient(fd: fd)) }
        let code = errno
        Glibc.close(fd)
        return .failure(POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO))
    }

    @discardableResult
    func send(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            bytes = bytes.dropFirst(n)
        }
        return true
    }

    /// The next line without CRLF; nil at end of file, on error or timeout.
    func readLine(timeout: Double = 10) -> String? {
        let end = Date().addingTimeInterval(timeout)
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                var line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard waitReadable(fd, until: end) else { return nil }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            pending += chunk[0..<n]
        }
    }

    /// Reads an LMTP/SMTP reply (continuation lines `250-` up to the final `250 `).
    func readReply(timeout: Double = 10) -> String? {
        var lines: [String] = []
        while let line = readLine(timeout: timeout) {
            lines.append(line)
            if line.count < 4 || Array(line)[3] != "-" { return lines.joined(separator: "\n") }
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    /// One echo-service session: greeting, the commands, QUIT. Returns the greeting and the
    /// replies, or nil if any is missing.
    static func echoSession(_ target: MasterTarget, commands: [String] = [], timeout: Double = 10) -> (greeting: String, replies: [String])? {
        guard case .success(let client) = connect(target), let greeting = client.readLine(timeout: timeout) else { return nil }
        var replies: [String] = []
        for command in commands + ["QUIT"] {
            guard client.send(command + "\r\n"), let reply = client.readLine(timeout: timeout) else { return nil }
            replies.append(reply)
        }
        return (greeting, replies)
    }
}

/// The pid an echo-service greeting names (`220 <service> <word> pid=<pid> id=<id> ready`).
func echoPID(_ greeting: String) -> pid_t? {
    greeting.split(separator: " ").first { $0.hasPrefix("pid=") }.flatMap { pid_t($0.dropFirst(4)) }
}

/// A TCP port free on both the IPv4 and the IPv6 wildcard address a moment ago.
func masterFreePort() -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 20_000..<32_768)  // below the ephemeral range
        if portIsFree(port, family: AF_INET) && (!loopbackIPv6Available || portIsFree(port, family: AF_INET6)) { return port }
    }
    return Int.random(in: 20_000..<32_768)
}

/// Whether ::1 can be bound (IPv6 enabled on loopback).
let loopbackIPv6Available: Bool = {
    let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in6()
    address.sin6_family = sa_family_t(AF_INET6)
    address.sin6_addr = in6addr_loopback
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
    }
}()

private func portIsFree(_ port: Int, family: Int32) -> Bool {
    let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, 4)
    if family == AF_INET6 {
        setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, 4)
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
        }
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
