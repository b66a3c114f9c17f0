import COpenSSLRuntime
import Glibc
import POSIXCore

/// One connection's TLS state (an OpenSSL `SSL` in server mode) on a pair of descriptors (the
/// same socket twice, or inetd-style standard input and output). `handshake(timeout:)` switches
/// the descriptors to non-blocking mode: from then on every operation is a step that either
/// finishes or says what it waits for, and the owner waits (with its own deadlines and stop
/// conditions) before the next step.
public final class TLSConnection {
    /// What a step did.
    public enum Step: Equatable {
        /// Finished; for reads and writes, the number of bytes.
        case done(Int)
        /// Call again once the read descriptor is readable.
        case wantRead
        /// Call again once the write descriptor is writable.
        case wantWrite
        /// The peer closed the connection (with or without a TLS close_notify).
        case closed
        /// A protocol or system error, with its text.
        case failed(String)
    }

    public let readFD: Int32
    public let writeFD: Int32
    let ssl: OpaquePointer
    /// Keeps the context alive as long as the connection.
    private let context: TLSServerContext

    /// Prepares a server-side connection; nothing is read or written yet.
    public init(context: TLSServerContext, readFD: Int32, writeFD: Int32) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let ssl = cdl_SSL_new(context.context) else { throw TLSError.openSSL("SSL_new failed") }
        guard cdl_SSL_set_rfd(ssl, readFD) == 1, cdl_SSL_set_wfd(ssl, writeFD) == 1 else {
            cdl_SSL_free(ssl)
            throw TLSError.openSSL("cannot attach TLS to the connection")
        }
        cdl_SSL_set_accept_state(ssl)
        self.ssl = ssl
        self.context = context
        self.readFD = readFD
        self.writeFD = writeFD
    }

    deinit { cdl_SSL_free(ssl) }

    /// One step of the server handshake.
    public func acceptStep() -> Step {
        OpenSSLErrorQueue.clear()
        let result = cdl_SSL_do_handshake(ssl)
        return result == 1 ? .done(0) : failure(result, during: "handshake")
    }

    /// Reads decrypted bytes into `buffer`.
    public func readStep(into buffer: UnsafeMutableRawBufferPointer) -> Step {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .done(0) }
        OpenSSLErrorQueue.clear()
        let result = cdl_SSL_read(ssl, base, Int32(clamping: buffer.count))
        return result > 0 ? .done(Int(result)) : failure(result, during: "read")
    }

    /// Encrypts and writes bytes (at most 2 GiB per call); a retry after `wantRead`/`wantWrite`
    /// must pass the same bytes.
    public func writeStep(_ bytes: UnsafeRawBufferPointer) -> Step {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .done(0) }
        OpenSSLErrorQueue.clear()
        let result = cdl_SSL_write(ssl, base, Int32(clamping: bytes.count))
        return result > 0 ? .done(Int(result)) : failure(result, during: "write")
    }

    /// Whether decrypted or received-but-unprocessed bytes wait inside OpenSSL (then a read
    /// step may succeed although the descriptor is not readable).
    public var hasBufferedInput: Bool {
        cdl_SSL_pending(ssl) > 0 || cdl_SSL_has_pending(ssl) == 1
    }

    /// Sends a close_notify if that can be done without waiting (best effort, at the end).
    public func close() {
        OpenSSLErrorQueue.clear()
        _ = cdl_SSL_shutdown(ssl)
        OpenSSLErrorQueue.clear()
    }

    /// What was negotiated and who the client is (meaningful after the handshake).
    public var session: TLSSessionInfo { TLSSessionInfo(ssl) }

    private func failure(_ result: Int32, during operation: String) -> Step {
        let code = cdl_SSL_get_error(ssl, result)
        switch code {
        case SSL_ERROR_WANT_READ:
            return .wantRead
        case SSL_ERROR_WANT_WRITE:
            return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        case SSL_ERROR_SYSCALL:
            let error = errno
            if let text = OpenSSLErrorQueue.take() { return .failed("\(operation): \(text)") }
            if result == 0 || error == 0 || error == ECONNRESET || error == EPIPE { return .closed }
            if error == EINTR || error == EAGAIN { return .wantRead }
            return .failed("\(operation): \(errnoText(error))")
        default:
            return .failed("\(operation): \(OpenSSLErrorQueue.take() ?? "TLS error \(code)")")
        }
    }

    /// Switches the descriptors to non-blocking mode (the steps need it).
    public func makeNonBlocking() { setBlocking(false) }

    /// Puts the descriptors back into blocking mode (after a failed handshake, when the
    /// connection is answered in plain text).
    public func restoreBlocking() { setBlocking(true) }

    private func setBlocking(_ blocking: Bool) {
        for fd in Set([readFD, writeFD]) {
            let flags = fcntl(fd, F_GETFL)
            guard flags >= 0 else { continue }
            let wanted = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK
            if wanted != flags { _ = fcntl(fd, F_SETFL, wanted) }
        }
    }
}
