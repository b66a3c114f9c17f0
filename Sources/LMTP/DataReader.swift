#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one DATA body from the session's input buffer up to the final `.` line and writes the
/// stored form to a `SpoolWriter`:
/// * the body ends at a line that is exactly `.` followed by CRLF or a bare LF;
/// * a line starting with `.` loses that first `.` (dot-unstuffing);
/// * CRLF and bare LF both become LF; a bare CR inside a line is removed;
/// * a NUL anywhere refuses the message; headers go through `HeaderInspector`;
/// * lines longer than the input buffer are passed on in pieces (no limit, no whole-line
///   buffering); complete lines are copied into the writer's chunk, never written one by one.
/// Input after the final dot stays in the buffer for the command loop.
final class DataReader {
    enum End: Equatable {
        /// The final dot was read.
        case complete
        /// The client closed the connection before the final dot.
        case endOfStream
    }

    private let buffer: InputBuffer
    private let sink: SpoolWriter
    private let headers: HeaderInspector
    private var inHeaders = true
    private var atLineStart = true
    /// The first content error; the rest of the message is then only scanned for the dot.
    private(set) var messageError: MessageError?

    init(buffer: InputBuffer, sink: SpoolWriter, headers: HeaderInspector) {
        self.buffer = buffer
        self.sink = sink
        self.headers = headers
    }

    /// Consumes input up to and including the final dot line.
    func read(from input: ByteInput) throws(StreamError) -> End {
        while true {
            if let lf = buffer.firstLF() {
                let start = buffer.start
                if atLineStart && isDotLine(start, lf) {
                    buffer.consume(upTo: lf + 1)
                    endOfMessage()
                    return .complete
                }
                var contentEnd = lf
                if contentEnd > start && buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                handle(start, contentEnd, endsLine: true)
                buffer.consume(upTo: lf + 1)
                atLineStart = true
            } else if buffer.count >= buffer.capacity {
                // A line longer than the buffer: pass on what we have, except a trailing CR
                // that may be the first half of CRLF.
                let start = buffer.start
                var stop = buffer.end
                if buffer[stop - 1] == 0x0D { stop -= 1 }
                handle(start, stop, endsLine: false)
                buffer.consume(upTo: stop)
                atLineStart = false
            } else if try !buffer.fill(from: input) {
                return .endOfStream
            }
        }
    }

    /// Whether `start...lf` is `.` CRLF or `.` LF.
    private func isDotLine(_ start: Int, _ lf: Int) -> Bool {
        guard buffer[start] == UInt8(ascii: ".") else { return false }
        let length = lf - start + 1
        return length == 2 || (length == 3 && buffer[start + 1] == 0x0D)
    }

    /// Handles the bytes `from..<to` of one line (its line end already cut off).
    private func handle(_ from: Int, _ to: Int, endsLine: Bool) {
        var from = from
        if atLineStart && from < to && buffer[from] == UInt8(ascii: ".") { from += 1 }
        guard messageError == nil else { return }
        let piece = buffer.bytes(from, to)
        if let base = piece.baseAddress, memchr(base, 0, piece.count) != nil {
            reject(.nul)
            return
        }
        if inHeaders {
            switch headers.piece(piece, startsLine: atLineStart, endsLine: endsLine, into: sink) {
            case .header: break
            case .endOfHeaders: inHeaders = false
            case .rejected(let error): reject(error)
            }
            return
        }
        sink.appendRemovingCR(piece)
        if endsLine { sink.append(byte: 0x0A) }
    }

    private func endOfMessage() {
        if messageError == nil && inHeaders, let error = headers.finish(into: sink) {
            reject(error)
        }
        sink.finish()
    }

    private func reject(_ error: MessageError) {
        messageError = error
        sink.abandon()
    }
}
