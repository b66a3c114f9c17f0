import Glibc
import POSIXCore
import Testing

@Suite("socket address formatting")
struct SocketAddressTests {
    @Test("IPv4: numeric host and port, host:port")
    func ipv4() {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(2424).bigEndian
        address.sin_addr.s_addr = inet_addr("192.0.2.7")
        let formatted = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress($0, length: MemoryLayout<sockaddr_in>.size) }
        }
        #expect(formatted.isInternet)
        #expect(formatted.numericHostAndPort?.host == "192.0.2.7")
        #expect(formatted.numericHostAndPort?.port == "2424")
        #expect(formatted.hostName(flags: NI_NUMERICHOST) == "192.0.2.7")
        #expect(formatted.text == "192.0.2.7:2424")
        #expect(formatted.unixPath == nil)
    }

    @Test("IPv6: [host]:port")
    func ipv6() {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = in_port_t(25).bigEndian
        address.sin6_addr = in6addr_loopback
        let formatted = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress($0, length: MemoryLayout<sockaddr_in6>.size) }
        }
        #expect(formatted.numericHostAndPort?.host == "::1")
        #expect(formatted.text == "[::1]:25")
    }

    @Test("unix: the path; both ends of a socket pair")
    func unix() throws {
        let path = "/tmp/posixcore-\(getpid()).sock"
        unlink(path)
        defer { unlink(path) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        let local = try #require(SocketAddress.local(of: fd))
        #expect(local.family == AF_UNIX)
        #expect(!local.isInternet)
        #expect(local.unixPath == path)
        #expect(local.text == path)
        #expect(local.numericHostAndPort == nil)
        #expect(SocketAddress.peer(of: fd) == nil, "not connected")
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[0]); close(pair[1]) }
        #expect(SocketAddress.peer(of: pair[0])?.unixPath == "")
    }

    @Test("a pipe is not a socket")
    func notASocket() throws {
        let pipe = try makePipe()
        defer { close(pipe.read); close(pipe.write) }
        #expect(SocketAddress.peer(of: pipe.read) == nil)
        #expect(SocketAddress.local(of: pipe.read) == nil)
    }
}
