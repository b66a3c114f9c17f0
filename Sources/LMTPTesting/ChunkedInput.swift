import LMTP

/// An in-memory `ByteInput` for tests and fuzz targets: the bytes are served in chunks of the
/// given sizes (cycled; empty = everything at once), then end of stream or `endError`.
public final class ChunkedInput: ByteInput {
    private let data: [UInt8]
    private var position = 0
    private let chunkSizes: [Int]
    private var chunkIndex = 0
    /// Thrown once every byte was read (nil: end of stream, `read` returns 0).
    public let endError: StreamError?
    /// Number of `read` calls so far.
    public private(set) var reads = 0
    /// Called before each read (to look at the engine's side effects between reads).
    public var beforeRead: (() -> Void)?

    public init(_ data: [UInt8], chunkSizes: [Int] = [], endError: StreamError? = nil) {
        self.data = data
        self.chunkSizes = chunkSizes.filter { $0 > 0 }
        self.endError = endError
    }

    public convenience init(_ text: String, chunkSizes: [Int] = [], endError: StreamError? = nil) {
        self.init(Array(text.utf8), chunkSizes: chunkSizes, endError: endError)
    }

    /// Bytes not read yet.
    public var remaining: Int { data.count - position }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamError) -> Int {
        reads += 1
        beforeRead?()
        if position == data.count {
            if let endError { throw endError }
            return 0
        }
        var n = data.count - position
        if !chunkSizes.isEmpty {
            n = min(n, chunkSizes[chunkIndex % chunkSizes.count])
            chunkIndex += 1
        }
        n = min(n, buffer.count)
        data.withUnsafeBytes { source in
            buffer.baseAddress?.copyMemory(from: source.baseAddress! + position, byteCount: n)
        }
        position += n
        return n
    }
}
