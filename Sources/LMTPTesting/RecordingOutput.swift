import LMTP

/// An in-memory `ByteOutput` that records every write call (one per batch of replies).
public final class RecordingOutput: ByteOutput {
    /// The bytes of each write call, in order.
    public private(set) var writes: [[UInt8]] = []
    /// When set, every write throws it.
    public var failure: StreamError?

    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer) throws(StreamError) {
        if let failure { throw failure }
        writes.append(Array(bytes))
    }

    /// Everything written, as one byte array.
    public var bytes: [UInt8] { Array(writes.joined()) }

    /// Everything written, as text.
    public var text: String { String(decoding: writes.joined(), as: UTF8.self) }

    /// The reply lines without their CRLF (a last line without CRLF is included as is).
    public var lines: [String] {
        var all = bytes
        guard !all.isEmpty else { return [] }
        if all.suffix(2) == [0x0D, 0x0A] { all.removeLast(2) }
        var lines: [String] = []
        var start = 0
        var i = 0
        while i + 1 < all.count {
            if all[i] == 0x0D && all[i + 1] == 0x0A {
                lines.append(String(decoding: all[start..<i], as: UTF8.self))
                i += 2
                start = i
            } else {
                i += 1
            }
        }
        lines.append(String(decoding: all[start...], as: UTF8.self))
        return lines
    }
}
