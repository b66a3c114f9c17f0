import Glibc
import POSIXCore

/// Creating the listening socket of one ``BindSpec`` the way Cyrus master does
/// (`service_create()`): close-on-exec in master (only a child's fd 4 copy is inherited),
/// `SO_REUSEADDR`, `IPV6_V6ONLY` on IPv6, a unix path unlinked first and bound under umask 0,
/// then `chmod 0777`, `listen(backlog)` for stream sockets. Blocking mode, as children expect.
public enum ListenerSocket {
    /// Why a socket could not be set up: the step and the system's reason.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var step: String
        public var reason: String
        public var description: String { "\(step): \(reason)" }
    }

    /// Creates, binds and (for streams) listens. Returns the descriptor.
    public static func open(_ spec: BindSpec, backlog: Int32) -> Result<Int32, Failure> {
        let domain: Int32 = switch spec.family {
        case .ipv4: AF_INET
        case .ipv6: AF_INET6
        case .unix, .daemon: AF_UNIX
        }
        let type = Int32(spec.isDatagram ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue)
        let fd = socket(domain, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(Failure(step: "unable to create listener socket", reason: errnoText())) }
        if let failure = configure(fd, spec, backlog: backlog) {
            close(fd)
            return .failure(failure)
        }
        return .success(fd)
    }

    private static func configure(_ fd: Int32, _ spec: BindSpec, backlog: Int32) -> Failure? {
        var on: Int32 = 1
        if setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            return Failure(step: "unable to set SO_REUSEADDR", reason: errnoText())
        }
        if spec.family == .ipv6 {
            if setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                return Failure(step: "unable to set IPV6_V6ONLY", reason: errnoText())
            }
        }
        if let path = spec.unixPath {
            _ = unlink(path)
            let saved = umask(0)
            let rc = bind(fd, spec)
            let bindErrno = errno
            umask(saved)
            if rc != 0 { return Failure(step: "unable to bind to \(path)", reason: bindReason(bindErrno, path: path)) }
            if chmod(path, 0o777) != 0 { return Failure(step: "unable to chmod \(path)", reason: errnoText()) }
        } else if bind(fd, spec) != 0 {
            return Failure(step: "unable to bind to \(spec.description)", reason: errnoText())
        }
        if !spec.isDatagram, listen(fd, backlog) != 0 {
            return Failure(step: "unable to listen on \(spec.description)", reason: errnoText())
        }
        return nil
    }

    private static func bind(_ fd: Int32, _ spec: BindSpec) -> Int32 {
        spec.address.withUnsafeBytes { raw in
            Glibc.bind(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }

    /// ENOENT on a unix bind means the directory is missing: say which (Cyrus does not create it).
    private static func bindReason(_ code: Int32, path: String) -> String {
        guard code == ENOENT, let slash = path.lastIndex(of: "/") else { return errnoText(code) }
        let directory = path[..<slash].isEmpty ? "/" : String(path[..<slash])
        return "\(errnoText(code)) (directory \(directory) does not exist; create it first)"
    }

    /// Stops a listening socket for everyone holding it (children's fd 4 copies too), so new
    /// clients are refused rather than queued, then closes master's descriptor.
    public static func shutdownAndClose(_ fd: Int32) {
        guard fd >= 0 else { return }
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
