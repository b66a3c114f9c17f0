import Glibc

/// What the inherited fd 4 is when a program starts.
public enum ListenSocketKind: Sendable, Equatable {
    /// Not open, not a socket, or a socket master would not hand over (a connected or
    /// unbound one).
    case none
    /// A listening stream socket (master's `tcp` services, unix or internet).
    case stream
    /// A bound datagram socket (master's `udp` services).
    case datagram

    /// Looks at `fd` without changing it.
    public static func probe(fd: Int32 = ServiceContract.listenFD) -> ListenSocketKind {
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK else { return .none }
        switch socketOption(fd, SO_TYPE) {
        case Int32(SOCK_STREAM.rawValue), Int32(SOCK_SEQPACKET.rawValue):
            return socketOption(fd, SO_ACCEPTCONN) == 1 ? .stream : .none
        case Int32(SOCK_DGRAM.rawValue):
            return isBound(fd) ? .datagram : .none
        default:
            return .none
        }
    }

    private static func socketOption(_ fd: Int32, _ option: Int32) -> Int32? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, option, &value, &length) == 0 ? value : nil
    }

    /// A datagram socket with a local address (syslog's client socket, say, has none).
    private static func isBound(_ fd: Int32) -> Bool {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return false }
        switch Int32(storage.ss_family) {
        case AF_INET:
            // An unbound internet socket reports port 0.
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port != 0 }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port != 0 }
            }
        case AF_UNIX:
            return Int(length) > MemoryLayout<sa_family_t>.size
        default:
            return false
        }
    }
}

/// How a service program was started: by a Cyrus-compatible master (fd 3 the status pipe,
/// fd 4 the listening socket, `CYRUS_SERVICE`/`CYRUS_ID` set) or by hand / inetd / a test,
/// serving one session on standard input and output.
public enum ServiceLaunch: Sendable, Equatable {
    /// No master: one session on fds 0/1.
    case standalone
    /// A master's child: accept on fd 4, report on fd 3.
    case child(service: String, id: String, socket: ListenSocketKind)
    /// fds 3/4 look like master's but the named variable is missing: Cyrus exits 70.
    case missingEnvironment(variable: String)

    /// The decision, from what fd 4 is, whether fd 3 is open, and the two variables.
    public static func decide(listenSocket: ListenSocketKind, statusOpen: Bool,
                              service: String?, id: String?) -> ServiceLaunch {
        guard listenSocket != .none, statusOpen else { return .standalone }
        guard let service, !service.isEmpty else { return .missingEnvironment(variable: ServiceContract.Environment.service) }
        guard let id else { return .missingEnvironment(variable: ServiceContract.Environment.id) }
        return .child(service: service, id: id, socket: listenSocket)
    }

    /// Probes fds 3 and 4 and reads the environment of this process.
    public static func detect() -> ServiceLaunch {
        decide(listenSocket: ListenSocketKind.probe(),
               statusOpen: fcntl(ServiceContract.statusFD, F_GETFD) >= 0,
               service: environment(ServiceContract.Environment.service),
               id: environment(ServiceContract.Environment.id))
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
