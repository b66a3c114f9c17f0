import Glibc
import POSIXCore

/// How a server handshake ended without success.
public enum TLSHandshakeFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The client did not complete it within the timeout.
    case timedOut
    /// The client closed the connection during it.
    case closed
    /// A protocol or system error, with its text.
    case failed(String)

    public var description: String {
        switch self {
        case .timedOut: "TLS handshake timed out"
        case .closed: "client closed the connection during the TLS handshake"
        case .failed(let text): "TLS handshake failed: \(text)"
        }
    }
}

extension TLSConnection {
    /// Runs the server handshake, waiting for the client at most `timeout` seconds in all
    /// (0 waits forever); switches the descriptors to non-blocking mode first. Signals do not
    /// cut it short.
    public func handshake(timeout: Int) -> Result<TLSSessionInfo, TLSHandshakeFailure> {
        let deadline = timeout > 0 ? MonotonicClock.now() + Double(timeout) : nil
        makeNonBlocking()
        while true {
            let waitFor: Int16
            switch acceptStep() {
            case .done: return .success(session)
            case .closed: return .failure(.closed)
            case .failed(let text): return .failure(.failed(text))
            case .wantRead: waitFor = Int16(POLLIN)
            case .wantWrite: waitFor = Int16(POLLOUT)
            }
            let fd = waitFor == Int16(POLLIN) ? readFD : writeFD
            switch DescriptorReadiness.wait(fd: fd, events: waitFor, until: deadline) {
            case .ready: continue
            case .timedOut: return .failure(.timedOut)
            case .failed(let text): return .failure(.failed(text))
            }
        }
    }
}
