import Foundation
import Glibc
import Testing

/// minimaster binds every listen= form and hands the right socket and environment to its
/// children (the echo service answers ENV and FDS).
@Suite("minimaster: listeners")
struct MinimasterListenTests {
    @Test("unix path, port number, host:port, [v6]:port, tcp4 and tcp6 all bind and serve")
    func everyListenForm() throws {
        let (wild, v4, v6, only4, only6) = (masterFreePort(), masterFreePort(), masterFreePort(), masterFreePort(), masterFreePort())
        let h = try MasterHarness("listen")
        let ipv6 = loopbackIPv6Available
        try h.writeConf(services: """
              unixsvc  cmd="\(h.echo())" listen="\(h.socket("echo"))"
              wildsvc  cmd="\(h.echo())" listen="\(wild)"
              v4svc    cmd="\(h.echo())" listen="127.0.0.1:\(v4)"
              \(ipv6 ? "" : "#")v6svc    cmd="\(h.echo())" listen="[::1]:\(v6)"
              only4svc cmd="\(h.echo())" listen="\(only4)" proto=tcp4
              \(ipv6 ? "" : "#")only6svc cmd="\(h.echo())" listen="\(only6)" proto="tcp6"
            """)
        try h.start()
        defer { h.stop() }

        var expected: [(MasterTarget, String)] = [
            (.unix(h.socket("echo")), "CYRUS_SERVICE=unixsvc CYRUS_ID=0"),
            (.inet("127.0.0.1", v4), "CYRUS_SERVICE=v4svc CYRUS_ID=0"),
            (.inet("127.0.0.1", only4), "CYRUS_SERVICE=only4svc CYRUS_ID=0"),
            (.inet("127.0.0.1", wild), "CYRUS_SERVICE=wildsvc CYRUS_ID="),
        ]
        if ipv6 {
            expected += [
                (.inet("::1", v6), "CYRUS_SERVICE=v6svc CYRUS_ID=0"),
                (.inet("::1", only6), "CYRUS_SERVICE=only6svc CYRUS_ID=0"),
                (.inet("::1", wild), "CYRUS_SERVICE=wildsvc CYRUS_ID="),
            ]
        }
        for (target, env) in expected {
            let session = MasterClient.echoSession(target, commands: ["ENV", "FDS"])
            #expect(session != nil, "no session on \(target)")
            guard let session else { continue }
            #expect(session.replies[0].hasPrefix("250 " + env), "\(target): \(session.replies[0])")
            // Nothing but 0, 1, 2, the status pipe and the socket reached the child.
            #expect(session.replies[1] == "250 0 1 2 3 4", "\(target): descriptors \(session.replies[1])")
        }
        if ipv6 {
            // The wildcard port gave one listener per family, each with its own CYRUS_ID.
            let ids = Set([MasterTarget.inet("127.0.0.1", wild), .inet("::1", wild)].compactMap {
                MasterClient.echoSession($0, commands: ["ENV"])?.replies[0]
                    .split(separator: " ").first { $0.hasPrefix("CYRUS_ID=") }
            })
            #expect(ids == ["CYRUS_ID=0", "CYRUS_ID=1"])
            #expect(h.logLines(containing: "service wildsvc/ipv4 listening").count == 1)
            #expect(h.logLines(containing: "service wildsvc/ipv6 listening").count == 1)
            // tcp4 and tcp6 bound only their own family.
            if case .success = MasterClient.connect(.inet("::1", only4)) { Issue.record("tcp4 service answered on ::1") }
            if case .success = MasterClient.connect(.inet("127.0.0.1", only6)) { Issue.record("tcp6 service answered on 127.0.0.1") }
        }
        // The unix socket is world-writable, as Cyrus makes it.
        var info = stat()
        #expect(stat(h.socket("echo"), &info) == 0 && info.st_mode & 0o777 == 0o777)
    }

    @Test("a bind error disables that listener only, with a log line; the others run")
    func bindErrorIsNotFatal() throws {
        let h = try MasterHarness("binderr")
        try h.writeConf(services: """
              good cmd="\(h.echo())" listen="\(h.socket("good"))"
              bad  cmd="\(h.echo())" listen="\(h.bed.root.path)/no-such-dir/sock"
            """)
        try h.start()
        defer { h.stop() }
        #expect(h.logLines(containing: "service bad/unix: unable to bind").count == 1)
        #expect(h.log().contains("does not exist"))
        #expect(MasterClient.echoSession(.unix(h.socket("good"))) != nil)
    }

    @Test("with master_bind_errors_fatal a bind error at startup ends minimaster with 69")
    func bindErrorFatal() throws {
        let h = try MasterHarness("bindfatal")
        try "master_bind_errors_fatal: yes\n".appendingToFile(h.imapdConf)
        try h.writeConf(services: "  bad cmd=\"\(h.echo())\" listen=\"\(h.bed.root.path)/no-such-dir/sock\"")
        try h.start(waitForReady: false)
        #expect(h.waitExit() == 69)
        #expect(h.log().contains("bind errors are fatal"))
    }
}

extension String {
    /// Appends this text to a file.
    func appendingToFile(_ path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(utf8))
    }
}

/// UDP services (`proto=udp`): one datagram socket, at most one child (Cyrus forces
/// maxchild 1, prefork ≤ 1), forked when a datagram waits; the child reads fd 4 itself.
@Suite("minimaster: UDP listeners")
struct MinimasterUDPTests {
    @Test("a udp service binds a datagram socket and forks its single child when a datagram arrives")
    func udpEcho() throws {
        let port = masterFreePort()
        let h = try MasterHarness("udp")
        try h.writeConf(services: "  dgram cmd=\"\(h.echo("-U 3"))\" listen=\"127.0.0.1:\(port)\" proto=udp prefork=0 maxchild=5")
        try h.start()
        defer { h.stop() }
        #expect(h.log().contains("service dgram/ipv4 listening on 127.0.0.1:\(port) (udp)"))
        #expect(h.children().isEmpty)
        var pids = Set<String>()
        for n in 0..<6 {
            let reply = udpExchange(port: port, "ping \(n)")
            #expect(reply?.hasSuffix(": ping \(n)") == true, "reply \(String(describing: reply))")
            if let pid = reply?.split(separator: " ").first(where: { $0.hasPrefix("pid=") }) { pids.insert(String(pid)) }
            #expect(h.children().count <= 1)
        }
        // -U 3: two children served the six datagrams, one after the other.
        #expect(pids.count == 2, "\(pids)")
    }
}

/// Sends one datagram to 127.0.0.1:`port` and waits up to 5 s for the answer.
func udpExchange(port: Int, _ text: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bytes = Array(text.utf8)
    let sent = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
            bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, target, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
    guard sent == bytes.count else { return nil }
    var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard poll(&pfd, 1, 5_000) == 1 else { return nil }
    var buffer = [UInt8](repeating: 0, count: 2048)
    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
}
