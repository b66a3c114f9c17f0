import Glibc
import POSIXCore

/// The unix socket `minimaster status` talks to: `{configdirectory}/socket/minimaster.status`,
/// mode 0600, owned by the user minimaster runs as. Both sides: the running minimaster
/// creates it (``create(at:owner:)``) and removes it (``remove(_:)``), the command connects
/// (``connect(to:timeout:)``).
///
/// The exchange: the client sends one request line (`text` or `json`), minimaster answers
/// with a first line, `ok` followed by the status, or `refused: <why>` / `error: <why>`, and
/// closes the connection.
public enum StatusSocket {
    /// The socket's name in `{configdirectory}/socket`.
    public static let fileName = "minimaster.status"

    /// The path for a `configdirectory`.
    public static func path(configDirectory: String) -> String {
        configDirectory + "/socket/" + fileName
    }

    /// A socket minimaster listens on, and the file it created (to remove only that file).
    struct Created {
        var fd: Int32
        var device: UInt
        var inode: UInt
    }

    /// Why the socket could not be created.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Creates the listening socket (non-blocking, close-on-exec) at `path` with mode 0600,
    /// given to `owner` when minimaster runs as root and will become that user. A socket
    /// file nobody answers on (a minimaster that died) is replaced; one that answers belongs
    /// to another minimaster and is left alone, as is anything that is not a socket.
    static func create(at path: String, owner: (uid: uid_t, gid: gid_t)?) -> Result<Created, Failure> {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                return .failure(Failure(description: "\(path) exists and is not a socket: not replaced"))
            }
            if case .success(let fd) = connect(to: path, timeout: 1) {
                close(fd)
                return .failure(Failure(description: "another minimaster answers on \(path): not replaced"))
            }
            if unlink(path) != 0 {
                return .failure(Failure(description: "unable to remove the stale \(path): \(errnoText())"))
            }
        }
        guard let address = UnixAddress(path) else {
            return .failure(Failure(description: "\(path) is too long for a unix socket"))
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return .failure(Failure(description: "unable to create a socket: \(errnoText())")) }
        func fail(_ what: String) -> Result<Created, Failure> {
            let failure = Failure(description: "\(what) \(path): \(errnoText())")
            close(fd)
            return .failure(failure)
        }
        // Created 0600: no moment in which another user could connect.
        let saved = umask(0o177)
        let bound = address.withSockaddr { Glibc.bind(fd, $0, $1) }
        umask(saved)
        guard bound == 0 else { return fail("unable to bind to") }
        guard chmod(path, 0o600) == 0 else { return fail("unable to chmod") }
        if let owner, chown(path, owner.uid, owner.gid) != 0 { return fail("unable to chown") }
        guard listen(fd, 16) == 0 else { return fail("unable to listen on") }
        guard stat(path, &info) == 0 else { return fail("unable to stat") }
        return .success(Created(fd: fd, device: UInt(info.st_dev), inode: UInt(info.st_ino)))
    }

    /// Removes the socket file if it is still the one `created` made.
    static func remove(_ created: Created, path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, UInt(info.st_dev) == created.device, UInt(info.st_ino) == created.inode else {
            return true
        }
        return unlink(path) == 0
    }

    /// Connects to the socket at `path`, waiting at most `timeout` seconds when minimaster's
    /// queue of connections is full. The descriptor is blocking and close-on-exec.
    public static func connect(to path: String, timeout: Double) -> Result<Int32, Errno> {
        guard let address = UnixAddress(path) else { return .failure(Errno(ENAMETOOLONG)) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.current) }
        // A unix stream connect blocks while the listen queue is full; the send timeout bounds it.
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let rc = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        guard rc == 0 else {
            let error = Errno.current
            close(fd)
            return .failure(error)
        }
        return .success(fd)
    }
}

/// A `sockaddr_un` for a path that fits.
private struct UnixAddress {
    private var storage = sockaddr_un()

    init?(_ path: String) {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: storage.sun_path) else { return nil }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
    }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var copy = storage
        return withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
