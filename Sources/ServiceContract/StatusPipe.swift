import Glibc
import POSIXCore

/// The child's end of master's status pipe (fd 3): 8 bytes per message
/// (`master/service.c: notify_master()`), several messages in one `write` when they are told
/// together (the master reads them in order either way).
public struct StatusPipe: Sendable {
    public let fd: Int32
    /// This process's pid, asked once (the pipe belongs to the process that made it).
    private let pid: Int32

    public init(fd: Int32 = ServiceContract.statusFD) {
        self.fd = fd
        pid = getpid()
    }

    /// Sends the `codes` with this process's pid, in one write. Returns nil on success, else the
    /// error text (Cyrus logs "unable to tell master" and carries on).
    @discardableResult
    public func send(_ codes: StatusMessage.Code...) -> String? {
        send(codes)
    }

    /// ``send(_:)-(StatusMessage.Code...)`` of a list.
    @discardableResult
    public func send(_ codes: [StatusMessage.Code]) -> String? {
        let bytes = codes.flatMap { StatusMessage(code: $0, pid: pid).bytes }
        let n = retryingEINTR { bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
        if n == bytes.count { return nil }
        return n < 0 ? errnoText() : "short write (\(n) bytes)"
    }
}
