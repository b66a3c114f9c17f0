import Glibc
import Logging
import Systemd

/// The listening sockets systemd passed (socket activation), until the services claim them.
/// A SERVICES entry takes, in this order:
/// 1. every socket whose `FileDescriptorName=` is the entry's name (and whose type, stream or
///    datagram, fits its `proto=`), instead of binding its `listen=` addresses at all (one
///    listener per socket, `CYRUS_ID` in passing order);
/// 2. else, for each address `listen=` resolves to, the socket bound to exactly that address
///    with the same type, instead of binding one.
/// What no entry claims at startup is logged and closed. A claimed socket is never unlinked,
/// re-bound or shut down by master: systemd keeps it listening across restarts.
final class ActivatedSockets {
    /// One passed socket with its local address.
    struct Socket {
        let fd: Int32
        /// `FileDescriptorName=` (systemd names unnamed ones after the socket unit).
        let name: String
        /// Its bound address and type.
        let spec: BindSpec
    }

    private var unclaimed: [Socket] = []
    /// Passed descriptors master cannot listen on (see ``BindSpec/local(of:)``).
    private var unusable: [ActivatedSocket] = []

    init(_ sockets: [ActivatedSocket]) {
        for socket in sockets {
            if let spec = BindSpec.local(of: socket.fd) {
                // Blocking mode, as children expect (a socket unit may say NonBlocking=yes).
                _ = fcntl(socket.fd, F_SETFL, fcntl(socket.fd, F_GETFL) & ~O_NONBLOCK)
                unclaimed.append(Socket(fd: socket.fd, name: socket.name, spec: spec))
            } else {
                unusable.append(socket)
            }
        }
    }

    /// Takes the sockets passed to this process (`LISTEN_FDS` with `LISTEN_PID` = our pid);
    /// none without socket activation. Call before forking (daemon mode changes the pid).
    static func take() -> ActivatedSockets {
        ActivatedSockets(SocketActivation.take())
    }

    var isEmpty: Bool { unclaimed.isEmpty && unusable.isEmpty }

    /// Every socket named `name` of the given type, in passing order.
    func claim(named name: String, datagram: Bool) -> [Socket] {
        let fits = { (socket: Socket) in socket.name == name && socket.spec.isDatagram == datagram }
        let named = unclaimed.filter(fits)
        unclaimed.removeAll(where: fits)
        return named
    }

    /// The socket bound to `spec`'s address with its type, if one was passed.
    func claim(matching spec: BindSpec) -> Socket? {
        guard let index = unclaimed.firstIndex(where: { $0.spec == spec }) else { return nil }
        return unclaimed.remove(at: index)
    }

    /// Logs and closes what no service claimed.
    func closeUnclaimed(logger: Logger) {
        for socket in unclaimed {
            logger.warning("socket \(socket.name) (\(socket.spec.description)) passed by systemd matches no service: closed")
            close(socket.fd)
        }
        for socket in unusable {
            logger.warning("descriptor \(socket.fd) (\(socket.name)) passed by systemd is not a stream or datagram socket on a unix path or an IP address: closed")
            close(socket.fd)
        }
        unclaimed.removeAll()
        unusable.removeAll()
    }
}
