/// A command line read the way the engine reads it, as far as BDAT framing needs: whether it is
/// `BDAT <size>[ LAST]`, and with which size. Written apart from the engine's parser, so the
/// fuzz target checks one reading against the other.
struct ChunkLine {
    /// nil: missing, not a number, or too large; the engine then closes the connection.
    var size: Int?
    var last: Bool

    /// nil when the line (without its LF) is not a BDAT command: too long, holding a NUL, or
    /// another verb.
    init?(_ line: ArraySlice<UInt8>, limit: Int) {
        guard line.count + 1 <= limit, !line.contains(0) else { return nil }
        let text = line.last == 0x0D ? line.dropLast() : line
        guard text.count >= 5, Self.lowered(text.prefix(5)) == Array("bdat ".utf8) else { return nil }
        let arguments = text.dropFirst(5)
        let digits = arguments.prefix { $0 >= 0x30 && $0 <= 0x39 }
        last = false
        size = nil
        var value = 0
        for digit in digits {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(digit - 0x30))
            if o1 || o2 { return }
            value = sum
        }
        let rest = arguments.dropFirst(digits.count)
        guard !digits.isEmpty, rest.isEmpty || rest.first == 0x20 else { return }
        size = value
        last = Self.lowered(rest) == Array(" last".utf8)
    }

    /// `RSET`: after its 250 no message is being received. (LHLO keeps the transaction, as
    /// Cyrus's does.)
    static func endsTransaction(_ line: ArraySlice<UInt8>) -> Bool {
        lowered(line.last == 0x0D ? line.dropLast() : line) == Array("rset".utf8)
    }

    private static func lowered(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }
}
