import Glibc
import Testing
import ServiceContract

@Suite("started by a master or not")
struct ServiceLaunchTests {
    @Test("the decision")
    func decision() {
        #expect(ServiceLaunch.decide(listenSocket: .stream, statusOpen: true, service: "lmtpunix", id: "0")
            == .child(service: "lmtpunix", id: "0", socket: .stream))
        #expect(ServiceLaunch.decide(listenSocket: .datagram, statusOpen: true, service: "udp", id: "1")
            == .child(service: "udp", id: "1", socket: .datagram))
        #expect(ServiceLaunch.decide(listenSocket: .stream, statusOpen: true, service: nil, id: "0")
            == .missingEnvironment(variable: "CYRUS_SERVICE"))
        #expect(ServiceLaunch.decide(listenSocket: .stream, statusOpen: true, service: "", id: "0")
            == .missingEnvironment(variable: "CYRUS_SERVICE"))
        #expect(ServiceLaunch.decide(listenSocket: .stream, statusOpen: true, service: "lmtp", id: nil)
            == .missingEnvironment(variable: "CYRUS_ID"))
        // Without master's descriptors the variables do not matter: one session on stdin/stdout.
        #expect(ServiceLaunch.decide(listenSocket: .none, statusOpen: true, service: "lmtp", id: "0") == .standalone)
        #expect(ServiceLaunch.decide(listenSocket: .stream, statusOpen: false, service: "lmtp", id: "0") == .standalone)
        #expect(ServiceLaunch.decide(listenSocket: .none, statusOpen: false, service: nil, id: nil) == .standalone)
    }

    @Test("probing fd 4's kind on real descriptors")
    func probe() throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0)
        #expect(ListenSocketKind.probe(fd: listening) == .none, "bound but not listening")
        #expect(listen(listening, 4) == 0)
        #expect(ListenSocketKind.probe(fd: listening) == .stream)

        let datagram = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(ListenSocketKind.probe(fd: datagram) == .none, "an unbound datagram socket (syslog's) is not master's")
        let boundDatagram = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(datagram, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(boundDatagram == 0)
        #expect(ListenSocketKind.probe(fd: datagram) == .datagram)

        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        #expect(ListenSocketKind.probe(fd: pair[0]) == .none, "a connected socket")
        var pipeFDs: [Int32] = [-1, -1]
        #expect(pipe(&pipeFDs) == 0)
        #expect(ListenSocketKind.probe(fd: pipeFDs[0]) == .none)
        #expect(ListenSocketKind.probe(fd: 9999) == .none)
        for fd in [listening, datagram] + pair + pipeFDs { close(fd) }
    }
}
