import ConfParse
import Glibc

/// Turns a `listen=`/`proto=` pair into the sockets to bind (`master/master.c:
/// service_create()`): a unix path gives one; an internet form gives one per address
/// `getaddrinfo` returns for the protocol's family (`tcp`/`udp`: any, typically IPv4 and
/// IPv6; `tcp4`/`udp4`: IPv4; `tcp6`/`udp6`: IPv6). A bare port binds the wildcard
/// addresses (`AI_PASSIVE`). Duplicates are dropped.
public enum ListenResolver {
    /// Why nothing can be bound for a listen value.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    public static func resolve(_ address: ListenAddress, proto: TransportProtocol) -> Result<[BindSpec], Failure> {
        let datagram = proto.isDatagram
        let host: String?, port: String
        switch address {
        case .unix(let path):
            return .success([.unix(path: path, isDatagram: datagram)])
        case .wildcard(let p):
            host = nil; port = p
        case .host(let h, let p):
            host = h; port = p
        case .bracketed(let h, let p):
            host = h; port = p ?? "0"
        }
        var hints = addrinfo()
        hints.ai_flags = host == nil ? AI_PASSIVE : 0
        hints.ai_family = family(of: proto)
        hints.ai_socktype = Int32(datagram ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, port, &hints, &list)
        guard rc == 0 else {
            let what = host.map { "\($0) port \(port)" } ?? "port \(port)"
            return .failure(Failure(reason: "getaddrinfo(\(what)) failed: \(String(cString: gai_strerror(rc)))"))
        }
        defer { freeaddrinfo(list) }
        var specs: [BindSpec] = []
        var entry = list
        while let current = entry {
            if let sockaddr = current.pointee.ai_addr,
               let spec = BindSpec.inet(sockaddr, length: Int(current.pointee.ai_addrlen), isDatagram: datagram),
               !specs.contains(spec) {
                specs.append(spec)
            }
            entry = current.pointee.ai_next
        }
        if specs.isEmpty {
            return .failure(Failure(reason: "no \(proto.rawValue) address for \(address)"))
        }
        return .success(specs)
    }

    /// The `ai_family` hint for a protocol.
    static func family(of proto: TransportProtocol) -> Int32 {
        switch proto {
        case .tcp, .udp: return AF_UNSPEC
        case .tcp4, .udp4: return AF_INET
        case .tcp6, .udp6: return AF_INET6
        }
    }
}
