import Glibc
import POSIXCore

/// The child's end of master's status pipe (fd 3): one 8-byte `write` per message
/// (`master/service.c: notify_master()`).
public struct StatusPipe: Sendable {
    public let fd: Int32

    public init(fd: Int32 = ServiceContract.statusFD) { self.fd = fd }

    /// Sends `code` with this process's pid. Returns nil on success, else the error text
    /// (Cyrus logs "unable to tell master" and carries on).
    @discardableResult
    public func send(_ code: StatusMessage.Code) -> String? {
        let bytes = StatusMessage(code: code, pid: getpid()).bytes
        let n = retryingEINTR { bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
        if n == bytes.count { return nil }
        return n < 0 ? errnoText() : "short write (\(n) bytes)"
    }
}
