import Glibc
import LMTP
import POSIXCore

/// Who is at the other end of a connection descriptor, as Cyrus's lmtpd decides it: a unix
/// socket (or a pipe: lmtpd run by hand or by a test) is local and trusted; an internet peer is
/// named by its address and, when it has one, its reverse-DNS name.
public enum ConnectionPeer {
    /// Describes the peer of `fd`. `local` is true for unix sockets and non-sockets.
    public static func describe(fd: Int32) -> (client: ClientInfo, local: Bool) {
        guard let peer = SocketAddress.peer(of: fd), peer.isInternet else { return (.unixSocket, true) }
        let address = peer.hostName(flags: NI_NUMERICHOST) ?? "unknown"
        return (.inet(address: address, hostname: peer.hostName(flags: NI_NAMEREQD)), false)
    }
}
