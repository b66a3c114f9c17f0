import Glibc
import LMTP
import POSIXCore
import TLS

/// The engine's input after STARTTLS: decrypted bytes from a `TLSConnection`. It waits for the
/// socket by the plain `DescriptorInput`'s rules, so the idle timeout, signals and the
/// shutdown request work as before TLS.
final class TLSInput: ByteInput {
    private let connection: TLSConnection
    private let plain: DescriptorInput

    init(connection: TLSConnection, waitingLike plain: DescriptorInput) {
        self.connection = connection
        self.plain = plain
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        let deadline = plain.idleDeadline()
        if !connection.hasBufferedInput { try plain.waitUntilReadable(until: deadline) }
        while true {
            switch connection.readStep(into: buffer) {
            case .done(let count):
                return count
            case .closed:
                return 0
            case .failed(let text):
                throw .failed(text)
            case .wantRead:
                try plain.waitUntilReadable(until: deadline)
            case .wantWrite:
                try TLSOutput.wait(for: Int16(POLLOUT), on: connection.writeFD, until: deadline)
            }
        }
    }
}

/// The engine's output after STARTTLS: bytes encrypted by a `TLSConnection`. A client that
/// takes nothing for `timeout` seconds (0: forever) ends the session with a write error.
final class TLSOutput: ByteOutput {
    private let connection: TLSConnection
    private let timeout: Int

    init(connection: TLSConnection, timeout: Int) {
        self.connection = connection
        self.timeout = timeout
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(StreamError) {
        let deadline = timeout > 0 ? MonotonicClock.now() + Double(timeout) : nil
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch connection.writeStep(rest) {
            case .done(let count):
                offset += count
            case .wantWrite:
                try Self.wait(for: Int16(POLLOUT), on: connection.writeFD, until: deadline)
            case .wantRead:
                try Self.wait(for: Int16(POLLIN), on: connection.readFD, until: deadline)
            case .closed:
                throw .failed("connection closed by the client")
            case .failed(let text):
                throw .failed(text)
            }
        }
    }

    /// Waits for a descriptor event inside a TLS read or write.
    static func wait(for events: Int16, on fd: Int32, until deadline: Double?) throws(StreamError) {
        switch DescriptorReadiness.wait(fd: fd, events: events, until: deadline) {
        case .ready: return
        case .timedOut: throw .timedOut
        case .failed(let text): throw .failed(text)
        }
    }
}
