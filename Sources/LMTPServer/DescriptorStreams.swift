import Glibc
import LMTP

/// Reads a connection's bytes from a file descriptor, waiting at most `idleTimeout` seconds for
/// each chunk (Cyrus lmtpd: 360 s), so that a silent client cannot hold a process forever.
public final class DescriptorInput: ByteInput {
    public let fd: Int32
    /// Seconds to wait for input; 0 waits forever.
    public var idleTimeout: Int
    /// Asked after a signal interrupted a wait: `true` ends the session
    /// (`421 4.4.1 bye Interrupted system call`), `false` keeps waiting.
    public var shouldStopOnSignal: () -> Bool

    public init(fd: Int32, idleTimeout: Int, shouldStopOnSignal: @escaping () -> Bool = { false }) {
        self.fd = fd
        self.idleTimeout = idleTimeout
        self.shouldStopOnSignal = shouldStopOnSignal
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        while true {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, idleTimeout > 0 ? Int32(clamping: idleTimeout * 1000) : -1)
            if ready == 0 { throw .timedOut }
            if ready < 0 {
                if errno == EINTR {
                    if shouldStopOnSignal() { throw .interrupted }
                    continue
                }
                throw .failed(String(cString: strerror(errno)))
            }
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            switch errno {
            case EINTR, EAGAIN:
                if shouldStopOnSignal() { throw .interrupted }
                continue
            case ECONNRESET:
                return 0
            default:
                throw .failed(String(cString: strerror(errno)))
            }
        }
    }
}

/// Writes a connection's bytes to a file descriptor, all of them, retrying short writes.
public final class DescriptorOutput: ByteOutput {
    public let fd: Int32

    public init(fd: Int32) { self.fd = fd }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(StreamError) {
        guard var next = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Glibc.write(fd, next, left)
            if n > 0 {
                next += n
                left -= n
            } else if n < 0 && (errno == EINTR || errno == EAGAIN) {
                continue
            } else {
                throw .failed(String(cString: strerror(errno)))
            }
        }
    }
}
