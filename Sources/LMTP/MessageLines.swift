#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns the lines of one message, however they arrive (DATA's dot-framed lines, BDAT's
/// counted chunks), into its stored form in a `SpoolWriter`:
/// * each piece is a line, or part of a line, without its line end; lines end in LF when stored;
/// * a bare CR inside a line is removed;
/// * a NUL anywhere refuses the message (except in a BINARYMIME body, stored byte for byte);
/// * the header block goes through `HeaderInspector`.
/// After the first content error the rest of the message is only counted, not stored.
final class MessageLines {
    private let sink: SpoolWriter
    private let headers: HeaderInspector
    /// `BODY=BINARYMIME`: after the header block, bytes are stored exactly as received.
    private let binaryBody: Bool
    private(set) var inHeaders = true
    /// The next piece starts a line.
    private(set) var atLineStart = true
    /// The start of a header line whose end has not arrived yet.
    private var partialLine: [UInt8] = []
    private var partialStartsLine = true
    /// Longest header line part held back waiting for the rest of the line.
    static let headerJoinLimit = 16_384
    /// The first content error.
    private(set) var messageError: MessageError?

    init(sink: SpoolWriter, headers: HeaderInspector, binaryBody: Bool = false) {
        self.sink = sink
        self.headers = headers
        self.binaryBody = binaryBody
    }

    /// Whether the body is being received byte for byte (`raw(_:)`), not line by line.
    var takesRawBytes: Bool { binaryBody && !inHeaders }

    /// Handles one piece of a line; `endsLine`: the line end follows it.
    func piece(_ bytes: UnsafeRawBufferPointer, endsLine: Bool) {
        defer { atLineStart = endsLine }
        guard messageError == nil else { return }
        if let base = bytes.baseAddress, memchr(base, 0, bytes.count) != nil {
            reject(.nul)
            return
        }
        if inHeaders {
            header(bytes, endsLine: endsLine)
            return
        }
        sink.appendRemovingCR(bytes)
        if endsLine { sink.append(byte: 0x0A) }
    }

    /// Passes a header line on whole: a BDAT chunk may end anywhere, even inside a field name,
    /// and `HeaderInspector` judges a line by its first piece. Parts are joined up to
    /// `headerJoinLimit` bytes (a longer line goes on in pieces, as DATA's do).
    private func header(_ bytes: UnsafeRawBufferPointer, endsLine: Bool) {
        guard !endsLine || !partialLine.isEmpty else {
            inspect(bytes, startsLine: atLineStart, endsLine: true)
            return
        }
        if partialLine.isEmpty { partialStartsLine = atLineStart }
        partialLine.append(contentsOf: bytes)
        if !endsLine && partialLine.count < Self.headerJoinLimit { return }
        flushPartialLine(endsLine: endsLine)
    }

    private func flushPartialLine(endsLine: Bool) {
        let startsLine = partialStartsLine
        partialLine.withUnsafeBytes { inspect($0, startsLine: startsLine, endsLine: endsLine) }
        partialLine.removeAll(keepingCapacity: true)
    }

    private func inspect(_ bytes: UnsafeRawBufferPointer, startsLine: Bool, endsLine: Bool) {
        switch headers.piece(bytes, startsLine: startsLine, endsLine: endsLine, into: sink) {
        case .header: break
        case .endOfHeaders: inHeaders = false
        case .rejected(let error): reject(error)
        }
    }

    /// Stores body bytes exactly as received (`takesRawBytes`).
    func raw(_ bytes: UnsafeRawBufferPointer) {
        guard messageError == nil else { return }
        sink.append(bytes)
    }

    /// Ends the message: a last line without its line end (BDAT does not promise one) is ended,
    /// a header block without a blank line is closed, the spool gets the rest. A BINARYMIME
    /// body stays as it came.
    func finish() {
        if messageError == nil && inHeaders {
            if !partialLine.isEmpty {
                flushPartialLine(endsLine: true)
            } else if !atLineStart {
                inspect(UnsafeRawBufferPointer(start: nil, count: 0), startsLine: false, endsLine: true)
            }
        }
        if messageError == nil && inHeaders, let error = headers.finish(into: sink) {
            reject(error)
        }
        if messageError == nil && !inHeaders && !binaryBody && !atLineStart { sink.append(byte: 0x0A) }
        sink.finish()
    }

    private func reject(_ error: MessageError) {
        messageError = error
        sink.abandon()
    }
}
