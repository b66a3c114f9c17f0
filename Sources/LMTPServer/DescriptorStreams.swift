import Glibc
import LMTP
import POSIXCore
import TLS

/// Reads a connection's bytes from a file descriptor, waiting at most `idleTimeout` seconds for
/// each chunk (Cyrus lmtpd: 360 s), so that a silent client cannot hold a process forever.
public final class DescriptorInput: ByteInput {
    public let fd: Int32
    /// Seconds to wait for input; 0 waits forever.
    public var idleTimeout: Int
    /// Asked after a signal interrupted a wait: `true` ends the session
    /// (`421 4.4.1 bye Interrupted system call`), `false` keeps waiting.
    public var shouldStopOnSignal: () -> Bool
    /// The server's request to end the session between commands (`StreamError.shuttingDown`).
    public var stop: SessionStop?
    /// Whether the engine waits for a command (not inside a message body): only then is a
    /// `stop` request honoured. Set it from `LMTPSession.isReceivingMessage`.
    public var isBetweenCommands: () -> Bool = { true }

    public init(fd: Int32, idleTimeout: Int, shouldStopOnSignal: @escaping () -> Bool = { false },
                stop: SessionStop? = nil) {
        self.fd = fd
        self.idleTimeout = idleTimeout
        self.shouldStopOnSignal = shouldStopOnSignal
        self.stop = stop
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        let deadline = idleDeadline()
        while true {
            try waitUntilReadable(until: deadline)
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            switch errno {
            case EINTR, EAGAIN:
                if shouldStopOnSignal() { throw .interrupted }
                continue
            case ECONNRESET:
                return 0
            default:
                throw .failed(errnoText())
            }
        }
    }

    /// When a read that starts now gives up (monotonic seconds), or nil to wait forever.
    public func idleDeadline() -> Double? {
        idleTimeout > 0 ? MonotonicClock.now() + Double(idleTimeout) : nil
    }

    /// Waits until `fd` is readable, honouring this input's rules: the stop request between
    /// commands (`.shuttingDown`), signals (`.interrupted` when `shouldStopOnSignal` says so)
    /// and the deadline (`.timedOut`). Other streams on the same descriptor (TLS) wait here too.
    public func waitUntilReadable(until deadline: Double?) throws(StreamError) {
        let wakeFD = stop?.wakeFD ?? -1
        while true {
            // Looked at before blocking: the request may have come while the engine was busy.
            if let stop, stop.isRequested(), isBetweenCommands() { throw .shuttingDown }
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
            switch Poll.once(&fds, count: wakeFD >= 0 ? 2 : 1, until: deadline) {
            case .ready:
                break
            case .timedOut:
                throw .timedOut
            case .interrupted:
                if shouldStopOnSignal() { throw .interrupted }
                continue
            case .failed(let error):
                throw .failed(error.text)
            }
            if wakeFD >= 0 && fds[1].revents != 0 {
                // A signal arrived (perhaps just before poll, so without EINTR).
                stop?.drainWake()
                if shouldStopOnSignal() { throw .interrupted }
                continue
            }
            return
        }
    }
}

/// Writes a connection's bytes to a file descriptor, all of them, retrying short writes.
///
/// To a socket (a master's connection) each write is tried at once without blocking
/// (`MSG_DONTWAIT`), and only a full send buffer makes it wait (`poll`, bounded by `timeout`):
/// one system call per reply. To a pipe or terminal (lmtpd on stdin/stdout) it waits for room
/// first and writes at most `PIPE_BUF` bytes at a time, since a larger blocking write could
/// block past the timeout.
public final class DescriptorOutput: ByteOutput {
    public let fd: Int32
    /// Seconds a write may wait for the client to read (0: forever). A client that sends
    /// but never reads its replies cannot hold a child forever.
    public var timeout: Int
    /// Whether `fd` takes `send` (cleared by the first `ENOTSOCK`).
    private var isSocket = true

    public init(fd: Int32, timeout: Int = 0) {
        self.fd = fd
        self.timeout = timeout
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(StreamError) {
        guard var next = bytes.baseAddress else { return }
        var left = bytes.count
        var deadline: Double??   // computed at the first wait
        while left > 0 {
            let n: Int
            if isSocket {
                n = send(fd, next, left, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            } else {
                try waitUntilWritable(deadline: &deadline)
                n = Glibc.write(fd, next, min(left, Int(PIPE_BUF)))
            }
            if n > 0 {
                next += n
                left -= n
                continue
            }
            switch n < 0 ? errno : EIO {
            case EINTR: continue
            case EAGAIN: try waitUntilWritable(deadline: &deadline)
            case ENOTSOCK where isSocket: isSocket = false
            default: throw .failed(errnoText())
            }
        }
    }

    private func waitUntilWritable(deadline: inout Double??) throws(StreamError) {
        if deadline == nil { deadline = .some(timeout > 0 ? MonotonicClock.now() + Double(timeout) : nil) }
        switch DescriptorReadiness.wait(fd: fd, events: Int16(POLLOUT), until: deadline ?? nil) {
        case .ready: return
        case .timedOut: throw .timedOut
        case .failed(let text): throw .failed(text)
        }
    }
}
