import Glibc

/// A free loopback TCP port below the kernel's ephemeral range (32768 and up), for a master
/// that binds it itself a moment later: ports from `bind(0)` (FakeMaster's listeners, every
/// client's source port) come from the ephemeral range, so they cannot take it in between.
func nonEphemeralFreeTCPPort() -> UInt16 {
    for _ in 0..<500 {
        let port = UInt16.random(in: 20_000..<32_768)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { continue }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        close(fd)
        if bound { return port }
    }
    return UInt16.random(in: 20_000..<32_768)
}
