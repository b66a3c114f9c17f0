import Glibc
import POSIXCore
import ServiceContract

/// Master's side of one listener's status pipe (`master/master.c: get_statsock()`,
/// `read_msg()`): every child of the listener gets the write end as fd 3; master keeps both
/// ends (so the pipe never reports end-of-file) and reads the other non-blocking, 8-byte
/// messages until EAGAIN. The pid in each message says which child sent it.
public final class StatusPipeReader {
    /// Read end: non-blocking, close-on-exec.
    public let readFD: Int32
    /// Write end handed to children (close-on-exec in master; the spawn's dup2 clears it).
    public let writeFD: Int32
    private var closed = false

    /// What one drain found.
    public struct Batch: Sendable, Equatable {
        public var messages: [StatusMessage] = []
        /// Bytes that did not form a whole message (Cyrus: "got incorrectly sized response").
        public var strayBytes = 0
    }

    public init() throws(ListenerSocket.Failure) {
        let fds: (read: Int32, write: Int32)
        do {
            fds = try makePipe()
        } catch {
            throw ListenerSocket.Failure(step: "unable to create status pipe", reason: error.text)
        }
        _ = fcntl(fds.read, F_SETFL, fcntl(fds.read, F_GETFL) | O_NONBLOCK)
        readFD = fds.read
        writeFD = fds.write
    }

    deinit { close() }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(readFD)
        Glibc.close(writeFD)
    }

    /// Reads everything that is in the pipe now. Messages are whole 8-byte writes (atomic,
    /// below PIPE_BUF), so a buffer that is a multiple of 8 never splits one.
    public func drain() -> Batch {
        var batch = Batch()
        guard !closed else { return batch }
        var buffer = [UInt8](repeating: 0, count: StatusMessage.size * 512)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return batch
            }
            if n == 0 { return batch }
            let whole = n / StatusMessage.size * StatusMessage.size
            var offset = 0
            while offset < whole {
                if let message = StatusMessage(bytes: buffer[offset..<offset + StatusMessage.size]) {
                    batch.messages.append(message)
                }
                offset += StatusMessage.size
            }
            batch.strayBytes += n - whole
            if n < buffer.count { return batch }
        }
    }
}
