#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one BDAT chunk (RFC 3030): exactly `size` bytes from the session's input buffer, no
/// dot handling, handed to `MessageLines` line by line (or byte for byte in a BINARYMIME
/// body). A line may be split anywhere by a chunk or buffer boundary, CRLF included: a CR that
/// ends a piece is dropped rather than passed on, since a CR is never stored (a CRLF ends the
/// line, a bare CR is removed) and a lone CR at a line start must not look like a line.
/// Input after the chunk stays in the buffer for the command loop.
enum ChunkReader {
    enum End: Equatable {
        /// All `size` bytes were read.
        case complete
        /// The client closed the connection before the chunk's end.
        case endOfStream
    }

    /// Reads `size` bytes into `lines` (nil: read and drop them, keeping the session in step).
    /// Pending replies are written before waiting for input: a client that does not pipeline
    /// sends the next chunk only after the last one's reply.
    static func read(_ size: Int, from input: ByteInput, buffer: InputBuffer, replies: ReplyWriter,
                     into lines: MessageLines?) throws(StreamError) -> End {
        var remaining = size
        while remaining > 0 {
            if buffer.count == 0 {
                try replies.flush()
                if try !buffer.fill(from: input) { return .endOfStream }
            }
            let start = buffer.start
            let span = min(remaining, buffer.count)
            guard let lines else {
                buffer.consume(upTo: start + span)
                remaining -= span
                continue
            }
            if lines.takesRawBytes {
                lines.raw(buffer.bytes(start, start + span))
                buffer.consume(upTo: start + span)
                remaining -= span
                continue
            }
            let bytes = buffer.bytes(start, start + span)
            let used: Int
            if let found = memchr(bytes.baseAddress!, 0x0A, span) {
                let lf = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
                var contentEnd = start + lf
                if contentEnd > start && buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                lines.piece(buffer.bytes(start, contentEnd), endsLine: true)
                used = lf + 1
            } else {
                var stop = start + span
                if buffer[stop - 1] == 0x0D { stop -= 1 }
                if stop > start { lines.piece(buffer.bytes(start, stop), endsLine: false) }
                used = span
            }
            buffer.consume(upTo: start + used)
            remaining -= used
        }
        return .complete
    }
}
