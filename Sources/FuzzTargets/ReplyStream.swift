import LMTPTesting

/// What the engine wrote, checked for form and cut into replies. A reply is one or more lines
/// `ddd-text` ending with a line `ddd text` (or `ddd`), all with the same code.
struct ReplyStream {
    /// One reply: its code and its lines (without CRLF).
    struct Reply {
        var code: [UInt8]
        var lines: [[UInt8]]
        var text: String { lines.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " | ") }
        var isSuccess: Bool { code.first == UInt8(ascii: "2") }
        /// The code as a number (`250`).
        var number: Int { code.reduce(0) { $0 * 10 + Int($1 - 0x30) } }
    }

    private(set) var replies: [Reply] = []

    /// Checks every write and every line; traps on a malformed one.
    init(_ output: RecordingOutput) {
        for write in output.writes {
            require(!write.isEmpty, "an empty write")
            require(write.suffix(2) == [0x0D, 0x0A], "a write that does not end in CRLF: \(String(decoding: write, as: UTF8.self))")
        }
        var current: Reply?
        for slice in Self.lines(output.bytes) {
            let line = Array(slice)
            let shown = String(decoding: line, as: UTF8.self)
            require(line.count >= 3 && line.prefix(3).allSatisfy { $0 >= 0x30 && $0 <= 0x39 }, "reply line without a code: \(shown)")
            require(line.count == 3 || line[3] == 0x20 || line[3] == 0x2D, "reply line with a bad separator: \(shown)")
            require(line.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "unprintable reply line: \(shown)")
            let code = Array(line.prefix(3))
            if let open = current {
                require(open.code == code, "a multi-line reply changes its code: \(open.text) | \(shown)")
            }
            var reply = current ?? Reply(code: code, lines: [])
            reply.lines.append(Array(line))
            if line.count > 3 && line[3] == 0x2D {
                current = reply
            } else {
                replies.append(reply)
                current = nil
            }
        }
        require(current == nil, "the output ends inside a multi-line reply")
    }

    /// The CRLF-terminated lines of `bytes` (which ends in CRLF); a bare CR or LF traps.
    private static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0D {
                require(i + 1 < bytes.count && bytes[i + 1] == 0x0A, "a bare CR in the replies")
                lines.append(bytes[start..<i])
                i += 2
                start = i
            } else {
                require(bytes[i] != 0x0A, "a bare LF in the replies")
                i += 1
            }
        }
        return lines
    }
}
