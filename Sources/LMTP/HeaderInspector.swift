/// Why a message is refused for its content (one `554 5.6.0` reply per recipient).
enum MessageError: Equatable, Sendable {
    /// A NUL byte anywhere in the message.
    case nul
    /// First line not a header, a header name byte outside 33–126, a line without a colon,
    /// or an empty `Message-ID:`.
    case invalidHeader
    /// An 8-bit byte in a header value while `reject8bit` is set.
    case nonASCIIHeader
}

/// Checks and rewrites the header block of a message, one piece of a line at a time (a piece
/// is a whole line, or a part of a line longer than the input buffer), writing what is kept:
/// header names must be printable ASCII and end in `:` (spaces before the colon are allowed,
/// as Cyrus does); bare CRs are dropped; 8-bit bytes in values become `X` (`munge8bit`) or
/// refuse the message (`reject8bit`); a client's `Return-Path:` is left out (the engine writes
/// its own). `Message-ID:` and `Date:` values are captured for the envelope and the log; at the
/// end of the block the `MissingHeaders` the message lacks are added.
final class HeaderInspector {
    enum Outcome: Equatable {
        /// Still in the header block.
        case header
        /// The blank line ending the header block was written.
        case endOfHeaders
        case rejected(MessageError)
    }

    private enum Field {
        case none, other, returnPath, messageID, date
    }

    private let munge8bit: Bool
    private let reject8bit: Bool
    private let missing: MissingHeaders
    private var field = Field.none
    private var value: [UInt8] = []
    /// The first `Message-ID:` value (trimmed), if any.
    private(set) var messageID: [UInt8]?
    /// The first `Date:` value (trimmed), if any.
    private(set) var date: [UInt8]?

    /// Longest header value kept for the envelope.
    static let captureLimit = 4096

    init(munge8bit: Bool, reject8bit: Bool, missing: MissingHeaders = MissingHeaders()) {
        self.munge8bit = munge8bit
        self.reject8bit = reject8bit
        self.missing = missing
    }

    /// Handles one piece: the line's bytes without its line end and after dot-unstuffing.
    /// `startsLine`: the piece begins a line; `endsLine`: the line end follows it.
    func piece(_ bytes: UnsafeRawBufferPointer, startsLine: Bool, endsLine: Bool, into sink: SpoolWriter) -> Outcome {
        var valueStart = 0
        if startsLine {
            let firstIndex = bytes.firstIndex { $0 != 0x0D }
            guard let firstIndex else {
                guard endsLine else { return .rejected(.invalidHeader) }
                if let error = finishField() { return .rejected(error) }
                addMissing(into: sink)
                sink.append(byte: 0x0A)
                return .endOfHeaders
            }
            let first = bytes[firstIndex]
            if first == 0x20 || first == 0x09 {
                guard field != .none else { return .rejected(.invalidHeader) }
            } else {
                guard let (kind, colon) = headerName(bytes) else { return .rejected(.invalidHeader) }
                if let error = finishField() { return .rejected(error) }
                field = kind
                value.removeAll(keepingCapacity: true)
                valueStart = colon + 1
            }
        }
        if field != .returnPath {
            if let error = write(bytes, valueStart: valueStart, into: sink) { return .rejected(error) }
            if endsLine { sink.append(byte: 0x0A) }
        }
        return .header
    }

    /// Ends the header block at the final dot (a message without a blank line).
    func finish(into sink: SpoolWriter) -> MessageError? {
        if let error = finishField() { return error }
        addMissing(into: sink)
        return nil
    }

    private func addMissing(into sink: SpoolWriter) {
        guard !missing.isEmpty else { return }
        missing.write(hasMessageID: messageID != nil, hasDate: date != nil, into: sink)
    }

    /// Writes a piece, name part as is and value part with 8-bit handling, CRs left out.
    private func write(_ bytes: UnsafeRawBufferPointer, valueStart: Int, into sink: SpoolWriter) -> MessageError? {
        let capturing = field == .messageID || field == .date
        var plain = true
        // A CR may also sit in the name part (`Subject\r:`): it is dropped there too.
        for index in 0..<bytes.count where bytes[index] == 0x0D || (index >= valueStart && bytes[index] >= 0x80) {
            if bytes[index] >= 0x80 && reject8bit { return .nonASCIIHeader }
            plain = false
        }
        if plain && !capturing {
            sink.append(bytes)
            return nil
        }
        for index in 0..<bytes.count {
            var byte = bytes[index]
            if byte == 0x0D { continue }
            if index >= valueStart {
                if byte >= 0x80 && munge8bit { byte = UInt8(ascii: "X") }
                if capturing && value.count < Self.captureLimit { value.append(byte) }
            }
            sink.append(byte: byte)
        }
        return nil
    }

    /// Closes the current field: records captured values, refuses an empty Message-ID.
    private func finishField() -> MessageError? {
        defer { field = .none }
        switch field {
        case .messageID:
            let trimmed = trim(value)
            if trimmed.isEmpty { return .invalidHeader }
            if messageID == nil { messageID = trimmed }
        case .date:
            if date == nil { date = trim(value) }
        case .none, .other, .returnPath:
            break
        }
        return nil
    }

    /// The kind of field a header line starts, and the index of its colon; nil when the line
    /// is not a header (name bytes outside 33–126, empty name, no colon).
    private func headerName(_ bytes: UnsafeRawBufferPointer) -> (Field, Int)? {
        var index = 0
        var nameLength = 0
        var plainName = true // no CR inside the name, so it can be compared in place
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") || byte == 0x20 || byte == 0x09 { break }
            if byte == 0x0D {
                plainName = false
            } else {
                guard byte >= 33 && byte <= 126 else { return nil }
                nameLength += 1
            }
            index += 1
        }
        guard nameLength > 0 else { return nil }
        let nameEnd = index
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D {
            index += 1
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
        guard plainName else {
            // The CRs are not stored, so `Return-\rPath:` is stored (and judged) as `Return-Path:`.
            let name = bytes[0..<nameEnd].filter { $0 != 0x0D }
            return (name.withUnsafeBytes(Self.field(named:)), index)
        }
        return (Self.field(named: UnsafeRawBufferPointer(rebasing: bytes[0..<nameEnd])), index)
    }

    private static func field(named name: UnsafeRawBufferPointer) -> Field {
        if Self.name(name, is: "return-path") { return .returnPath }
        if Self.name(name, is: "message-id") { return .messageID }
        if Self.name(name, is: "date") { return .date }
        return .other
    }

    private static func name(_ name: UnsafeRawBufferPointer, is word: StaticString) -> Bool {
        guard name.count == word.utf8CodeUnitCount else { return false }
        return word.withUTF8Buffer { expected in
            for i in 0..<name.count where Bytes.lower(name[i]) != expected[i] { return false }
            return true
        }
    }

    private func trim(_ bytes: [UInt8]) -> [UInt8] {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
              let last = bytes.lastIndex(where: { !isSpace($0) }) else { return [] }
        return Array(bytes[first...last])
    }
}
