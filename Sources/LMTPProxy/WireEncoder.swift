/// Turns a message as the engine spools it (LF line ends, dot-unstuffed) into what goes on the
/// wire to a backend, streaming, so a message of any size passes through a bounded buffer:
/// CRLF line ends always, and for DATA a `.` doubled at the start of a line (RFC 5321
/// §4.5.2). `finish()` ends the last line if it had no line end and, for DATA, appends the
/// terminating `.` line. (BDAT, RFC 3030, needs no dot-stuffing: its chunks have sizes.)
struct WireEncoder {
    /// Whether leading dots are doubled (DATA) or not (BDAT).
    let stuffDots: Bool
    private var atLineStart = true

    init(stuffDots: Bool) {
        self.stuffDots = stuffDots
    }

    /// The wire form of the next `bytes` of the message.
    mutating func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + bytes.count + bytes.count / 32 + 8)
        for byte in bytes {
            if stuffDots && atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            if byte == 0x0A {
                out.append(0x0D)
                out.append(0x0A)
                atLineStart = true
            } else {
                out.append(byte)
                atLineStart = false
            }
        }
    }

    /// The end of the message: a line end if needed, then for DATA `.` CRLF.
    mutating func finish(into out: inout [UInt8]) {
        if !atLineStart { out += [0x0D, 0x0A] }
        if stuffDots { out += Array(".\r\n".utf8) }
        atLineStart = true
    }
}
