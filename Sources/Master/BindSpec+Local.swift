import Glibc

extension BindSpec {
    /// The address and type of a socket that is already bound (one systemd passed), built the
    /// way ``ListenResolver`` builds the addresses of `listen=`, so that `==` compares them.
    /// nil for what master cannot listen on: not a socket, an abstract or unnamed unix
    /// socket, a family other than unix/IPv4/IPv6, a type other than stream/datagram.
    static func local(of fd: Int32) -> BindSpec? {
        var type: Int32 = 0
        var typeLength = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &typeLength) == 0 else { return nil }
        guard type == Int32(SOCK_STREAM.rawValue) || type == Int32(SOCK_DGRAM.rawValue) else { return nil }
        let datagram = type == Int32(SOCK_DGRAM.rawValue)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        switch Int32(storage.ss_family) {
        case AF_UNIX:
            let pathOffset = MemoryLayout<sa_family_t>.size
            let bytes = withUnsafeBytes(of: &storage) { Array($0[pathOffset..<max(pathOffset, Int(length))]) }
            let path = bytes.prefix { $0 != 0 }
            guard !path.isEmpty else { return nil }
            return .unix(path: String(decoding: path, as: UTF8.self), isDatagram: datagram)
        case AF_INET, AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { inet($0, length: Int(length), isDatagram: datagram) }
            }
        default:
            return nil
        }
    }
}
