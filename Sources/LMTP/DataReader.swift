#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one DATA body from the session's input buffer up to the final `.` line and hands its
/// lines to `MessageLines` (which stores them):
/// * the body ends at a line that is exactly `.` followed by CRLF or a bare LF;
/// * a line starting with `.` loses that first `.` (dot-unstuffing);
/// * CRLF and bare LF both end a line;
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
    let lines: MessageLines

    init(buffer: InputBuffer, lines: MessageLines) {
        self.buffer = buffer
        self.lines = lines
    }

    /// Consumes input up to and including the final dot line.
    func read(from input: ByteInput) throws(StreamError) -> End {
        while true {
            if let lf = buffer.firstLF() {
                let start = buffer.start
                if lines.atLineStart && isDotLine(start, lf) {
                    buffer.consume(upTo: lf + 1)
                    lines.finish()
                    return .complete
                }
                var contentEnd = lf
                if contentEnd > start && buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                handle(start, contentEnd, endsLine: true)
                buffer.consume(upTo: lf + 1)
            } else if buffer.count >= buffer.capacity {
                // A line longer than the buffer: pass on what we have, except a trailing CR
                // that may be the first half of CRLF.
                let start = buffer.start
                var stop = buffer.end
                if buffer[stop - 1] == 0x0D { stop -= 1 }
                handle(start, stop, endsLine: false)
                buffer.consume(upTo: stop)
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

    /// Handles the bytes `from..<to` of one line (its line end already cut off), unstuffed.
    private func handle(_ from: Int, _ to: Int, endsLine: Bool) {
        var from = from
        if lines.atLineStart && from < to && buffer[from] == UInt8(ascii: ".") { from += 1 }
        lines.piece(buffer.bytes(from, to), endsLine: endsLine)
    }
}
