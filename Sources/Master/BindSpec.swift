import ConfParse
import Glibc
import POSIXCore

/// The address family part of a listener's name `<service>/<family>` in log lines.
public enum ListenerFamily: String, Sendable {
    case ipv4, ipv6, unix, daemon
}

/// One socket to create: family, socket type and the exact address to bind.
public struct BindSpec: Sendable, Equatable, CustomStringConvertible {
    public var family: ListenerFamily
    /// Datagram (`udp*`) instead of stream.
    public var isDatagram: Bool
    /// The `sockaddr` bytes to bind.
    public var address: [UInt8]
    /// `127.0.0.1:2424`, `[::1]:2424` or the unix path.
    public var description: String

    public init(family: ListenerFamily, isDatagram: Bool, address: [UInt8], description: String) {
        self.family = family
        self.isDatagram = isDatagram
        self.address = address
        self.description = description
    }

    /// The unix socket path, for unix listeners.
    public var unixPath: String? {
        family == .unix ? description : nil
    }

    /// The port of an internet address (0 for unix).
    public var port: Int {
        guard address.count >= 4, family != .unix else { return 0 }
        return Int(address[2]) << 8 | Int(address[3])
    }

    /// A unix-domain address.
    public static func unix(path: String, isDatagram: Bool) -> BindSpec {
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (i, byte) in bytes.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let length = MemoryLayout<sa_family_t>.size + min(bytes.count, MemoryLayout.size(ofValue: storage.sun_path) - 1) + 1
        let address = withUnsafeBytes(of: &storage) { Array($0.prefix(length)) }
        return BindSpec(family: .unix, isDatagram: isDatagram, address: address, description: path)
    }

    /// An internet address from `getaddrinfo` output.
    static func inet(_ pointer: UnsafePointer<sockaddr>, length: Int, isDatagram: Bool) -> BindSpec? {
        let family = Int32(pointer.pointee.sa_family)
        guard family == AF_INET || family == AF_INET6 else { return nil }
        let bytes = Array(UnsafeRawBufferPointer(start: pointer, count: length))
        let text = SocketAddress(pointer, length: length).text ?? (family == AF_INET6 ? "[?]" : "?")
        return BindSpec(family: family == AF_INET ? .ipv4 : .ipv6, isDatagram: isDatagram, address: bytes, description: text)
    }
}
