import ConfParse
import Glibc
import Testing
@testable import Master

@Suite("listen= and proto= to the sockets to bind")
struct ListenResolverTests {
    func specs(_ listen: String, _ proto: TransportProtocol = .tcp) throws -> [BindSpec] {
        let address = try ListenAddress.parse(listen)
        return try ListenResolver.resolve(address, proto: proto).get()
    }

    @Test("a unix path is one unix socket; udp makes it a datagram socket")
    func unix() throws {
        let s = try specs("/run/cyrus/socket/lmtp")
        #expect(s.count == 1)
        #expect(s[0].family == .unix && !s[0].isDatagram)
        #expect(s[0].unixPath == "/run/cyrus/socket/lmtp")
        #expect(try specs("/run/x", .udp)[0].isDatagram)
        // sockaddr_un: family, path, NUL.
        #expect(s[0].address.count == 2 + "/run/cyrus/socket/lmtp".utf8.count + 1)
    }

    @Test("host:port and [v6]:port give exactly that address")
    func literal() throws {
        let v4 = try specs("127.0.0.1:2424")
        #expect(v4.map(\.description) == ["127.0.0.1:2424"])
        #expect(v4[0].family == .ipv4 && v4[0].port == 2424)
        let v6 = try specs("[::1]:2425")
        #expect(v6.map(\.description) == ["[::1]:2425"])
        #expect(v6[0].family == .ipv6 && v6[0].port == 2425)
        // Bracketed IPv4 works too; a bracketed address without a port binds port 0.
        #expect(try specs("[127.0.0.1]:7").map(\.description) == ["127.0.0.1:7"])
        #expect(try specs("[::1]").map(\.port) == [0])
    }

    @Test("a bare port binds the wildcard addresses: one listener per family for tcp")
    func wildcard() throws {
        let any = try specs("2424")
        #expect(Set(any.map(\.description)).isSubset(of: ["0.0.0.0:2424", "[::]:2424"]))
        #expect(any.contains { $0.description == "0.0.0.0:2424" })
        #expect(try specs("2424", .tcp4).map(\.description) == ["0.0.0.0:2424"])
        #expect(try specs("2424", .tcp6).map(\.description) == ["[::]:2424"])
        #expect(try specs("2424", .udp4).allSatisfy(\.isDatagram))
    }

    @Test("proto restricts the family of a literal; a mismatch resolves to nothing")
    func mismatch() throws {
        #expect(try specs("127.0.0.1:1", .tcp4).count == 1)
        let address = try ListenAddress.parse("127.0.0.1:1")
        guard case .failure(let failure) = ListenResolver.resolve(address, proto: .tcp6) else {
            Issue.record("an IPv4 literal must not resolve for tcp6")
            return
        }
        #expect(failure.reason.contains("127.0.0.1"))
    }

    @Test("a service name is looked up in /etc/services", .enabled(if: access("/etc/services", R_OK) == 0))
    func serviceName() throws {
        #expect(try specs("127.0.0.1:smtp").map(\.port) == [25])
    }

    @Test("an unknown host or service name is a failure, not a crash")
    func unknown() throws {
        let address = try ListenAddress.parse("127.0.0.1:no-such-service-name")
        guard case .failure = ListenResolver.resolve(address, proto: .tcp) else {
            Issue.record("an unknown service name must fail")
            return
        }
    }
}

@Suite("binding")
struct ListenerSocketTests {
    @Test("a unix socket: stale file replaced, mode 0777, close-on-exec, listening")
    func unixSocket() throws {
        let dir = "/tmp/mastertests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        #expect(mkdir(dir, 0o755) == 0)
        defer { _ = unlink(dir + "/sock"); _ = rmdir(dir) }
        // A stale regular file in the way is unlinked first, as Cyrus does.
        let stale = creat(dir + "/sock", 0o600)
        close(stale)
        let fd = try ListenerSocket.open(.unix(path: dir + "/sock", isDatagram: false), backlog: 5).get()
        defer { close(fd) }
        var info = stat()
        #expect(stat(dir + "/sock", &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o777)
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        var listening: Int32 = 0
        var length = socklen_t(4)
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length)
        #expect(listening == 1)
    }

    @Test("a missing directory is a clear error")
    func missingDirectory() {
        guard case .failure(let failure) = ListenerSocket.open(.unix(path: "/nonexistent-dir-\(getpid())/sock", isDatagram: false), backlog: 5) else {
            Issue.record("bind must fail")
            return
        }
        #expect(failure.description.contains("does not exist"))
    }

    @Test("IPv6 listeners are v6-only, so [::] and 0.0.0.0 coexist on one port")
    func v6only() throws {
        let v4 = try ListenResolver.resolve(.wildcard(port: "0"), proto: .tcp4).get()[0]
        let fd4 = try ListenerSocket.open(v4, backlog: 5).get()
        defer { close(fd4) }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd4, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        guard let v6 = try? ListenResolver.resolve(.wildcard(port: "\(port)"), proto: .tcp6).get().first else { return }
        let fd6 = try ListenerSocket.open(v6, backlog: 5).get()
        defer { close(fd6) }
        var only: Int32 = 0
        var size = socklen_t(4)
        getsockopt(fd6, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &only, &size)
        #expect(only == 1)
    }
}
