/// The two ends of a connection as the engine sees them. The server supplies file-descriptor
/// implementations; tests supply in-memory ones or pipes.

/// Errors a byte stream reports to the engine.
public enum StreamError: Error, Sendable, Equatable {
    /// No input arrived within the idle timeout.
    case timedOut
    /// Reading was interrupted by a signal the owner wants honoured (for example a master's
    /// SIGHUP); the engine answers `421 4.4.1 bye Interrupted system call`.
    case interrupted
    /// The server is shutting down (its master sent SIGTERM). An input throws this only while
    /// the engine waits for a command (see `LMTPSession.isReceivingMessage`), so that a message
    /// in progress is still read, delivered and answered; the engine answers
    /// `421 4.3.2 bye server shutting down` and ends the session.
    case shuttingDown
    /// Any other read or write error, with its text (`strerror`).
    case failed(String)
}

/// A source of bytes, read in chunks.
public protocol ByteInput: AnyObject {
    /// Reads at most `buffer.count` bytes into `buffer`; returns 0 at end of stream.
    /// Blocks until at least one byte is available.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int
}

/// A sink of bytes. The engine batches replies and calls `write` once per batch.
public protocol ByteOutput: AnyObject {
    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(StreamError)
}
