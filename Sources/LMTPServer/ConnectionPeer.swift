import Glibc
import LMTP

/// Who is at the other end of a connection descriptor, as Cyrus's lmtpd decides it: a unix
/// socket (or a pipe: lmtpd run by hand or by a test) is local and trusted; an internet peer is
/// named by its address and, when it has one, its reverse-DNS name.
public enum ConnectionPeer {
    /// Describes the peer of `fd`. `local` is true for unix sockets and non-sockets.
    public static func describe(fd: Int32) -> (client: ClientInfo, local: Bool) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard named == 0 else { return (.unixSocket, true) }
        switch Int32(storage.ss_family) {
        case AF_INET, AF_INET6:
            return (.inet(address: numericHost(&storage, length), hostname: reverseName(&storage, length)), false)
        default:
            return (.unixSocket, true)
        }
    }

    private static func numericHost(_ storage: inout sockaddr_storage, _ length: socklen_t) -> String {
        lookup(&storage, length, flags: NI_NUMERICHOST) ?? "unknown"
    }

    private static func reverseName(_ storage: inout sockaddr_storage, _ length: socklen_t) -> String? {
        lookup(&storage, length, flags: NI_NAMEREQD)
    }

    private static func lookup(_ storage: inout sockaddr_storage, _ length: socklen_t, flags: Int32) -> String? {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), nil, 0, flags)
            }
        }
        guard rc == 0 else { return nil }
        return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
