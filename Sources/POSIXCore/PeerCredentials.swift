import Glibc

/// Who is at the other end of a connected unix-domain socket (`SO_PEERCRED`): the process,
/// user and group that connected, as the kernel recorded them at `connect(2)`.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: pid_t
    public var uid: uid_t
    public var gid: gid_t

    public init(pid: pid_t, uid: uid_t, gid: gid_t) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// Glibc's `struct ucred` (Swift does not see it without `_GNU_SOURCE`): same layout.
    private struct Layout {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
    }

    /// The peer of unix socket `fd`.
    public static func of(_ fd: Int32) throws(Errno) -> PeerCredentials {
        var layout = Layout()
        var length = socklen_t(MemoryLayout<Layout>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &layout, &length) == 0 else { throw .current }
        return PeerCredentials(pid: layout.pid, uid: layout.uid, gid: layout.gid)
    }
}
