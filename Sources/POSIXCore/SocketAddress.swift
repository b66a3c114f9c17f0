// POSIXCore: depends on libc (Glibc) and CShims only; nothing else of ours.
import Glibc

/// A socket address (`sockaddr_storage` and its length) and its text forms, through
/// `getnameinfo` for internet addresses.
public struct SocketAddress: @unchecked Sendable {
    public var storage: sockaddr_storage
    public var length: socklen_t

    /// The first `length` bytes at `pointer` (e.g. from `getaddrinfo`).
    public init(_ pointer: UnsafePointer<sockaddr>, length: Int) {
        storage = sockaddr_storage()
        let count = min(length, MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: count)) }
        self.length = socklen_t(count)
    }

    private init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// The address of the other end of socket `fd` (`getpeername`); nil when `fd` is not a
    /// connected socket.
    public static func peer(of fd: Int32) -> SocketAddress? { query(fd, getpeername) }

    /// The local address of socket `fd` (`getsockname`); nil when `fd` is not a socket.
    public static func local(of fd: Int32) -> SocketAddress? { query(fd, getsockname) }

    private static func query(_ fd: Int32,
                              _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        return rc == 0 ? SocketAddress(storage: storage, length: length) : nil
    }

    /// `AF_INET`, `AF_INET6`, `AF_UNIX`...
    public var family: Int32 { Int32(storage.ss_family) }

    /// An IPv4 or IPv6 address.
    public var isInternet: Bool { family == AF_INET || family == AF_INET6 }

    /// `getnameinfo` with `NI_NUMERICHOST | NI_NUMERICSERV`: `("192.0.2.1", "2424")`,
    /// `("::1", "2424")`; nil for other families (glibc would name a unix socket "localhost")
    /// or when it fails.
    public var numericHostAndPort: (host: String, port: String)? {
        guard isInternet else { return nil }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var port = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        guard nameInfo(&host, &port, flags: NI_NUMERICHOST | NI_NUMERICSERV) == 0 else { return nil }
        return (Self.text(host), Self.text(port))
    }

    /// The host part alone through `getnameinfo` with `flags`: `NI_NUMERICHOST` for the
    /// address, `NI_NAMEREQD` for the reverse-DNS name (nil when there is none). Internet
    /// addresses only.
    public func hostName(flags: Int32) -> String? {
        guard isInternet else { return nil }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var none: [CChar] = []
        guard nameInfo(&host, &none, flags: flags) == 0 else { return nil }
        return Self.text(host)
    }

    /// The path of a unix-domain address (empty for an unnamed one); nil for other families.
    public var unixPath: String? {
        guard family == AF_UNIX else { return nil }
        var copy = storage
        let pathOffset = MemoryLayout<sa_family_t>.size
        let count = max(0, Int(length) - pathOffset)
        return withUnsafeBytes(of: &copy) { raw in
            let bytes = raw[pathOffset..<min(raw.count, pathOffset + count)]
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// `192.0.2.1:2424`, `[::1]:2424`, or a unix socket's path; nil for other families or when
    /// `getnameinfo` fails.
    public var text: String? {
        if let path = unixPath { return path }
        guard let (host, port) = numericHostAndPort else { return nil }
        return family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private func nameInfo(_ host: inout [CChar], _ service: inout [CChar], flags: Int32) -> Int32 {
        var copy = storage
        let serviceCount = socklen_t(service.count)
        return withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                host.withUnsafeMutableBufferPointer { h in
                    service.withUnsafeMutableBufferPointer { s in
                        getnameinfo(address, length, h.baseAddress, socklen_t(h.count),
                                    serviceCount > 0 ? s.baseAddress : nil, serviceCount, flags)
                    }
                }
            }
        }
    }

    private static func text(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
