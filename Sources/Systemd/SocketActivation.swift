import CSystemd
import Glibc

/// A socket systemd passed to this process (socket activation), with its
/// `FileDescriptorName=` (systemd names unnamed ones after the socket unit).
public struct ActivatedSocket: Sendable, Equatable {
    public var fd: Int32
    public var name: String

    public init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }
}

/// sd_listen_fds_with_names(3).
public enum SocketActivation {
    /// Takes the sockets systemd passed (fds 3, 4, ... when `LISTEN_PID` is this process) and
    /// unsets the variables so that children do not see them. Empty without socket activation.
    /// The returned descriptors are made close-on-exec.
    public static func take() -> [ActivatedSocket] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let count = sd_listen_fds_with_names(1, &names)
        guard count > 0 else { return [] }
        defer {
            if let names {
                for index in 0..<Int(count) { free(names[index]) }
                free(names)
            }
        }
        return (0..<Int(count)).map { index in
            let fd = SD_LISTEN_FDS_START + Int32(index)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let name = names?[index].map { String(cString: $0) } ?? "unknown"
            return ActivatedSocket(fd: fd, name: name)
        }
    }
}
