import LMTP

/// An in-memory `MessageSpool` that keeps the bytes and remembers how it was used.
public final class FakeSpool: MessageSpool {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []
    /// Number of `write` calls.
    public private(set) var writeCalls = 0
    /// Fail every write once this many bytes were written.
    public var failAfter: Int?
    /// What a failing write throws.
    public var failure: DeliveryFailure = .storageFull
    /// The recipients the spool was opened for.
    public let recipients: [Recipient]
    /// A write threw.
    public private(set) var failed = false
    /// The agent delivered or discarded the spool.
    public internal(set) var closed = false
    /// Writes that arrived after the spool was closed (always a bug of the engine).
    public private(set) var writesAfterClose = 0

    public init(recipients: [Recipient] = []) {
        self.recipients = recipients
    }

    public func write(_ chunk: UnsafeRawBufferPointer) throws(DeliveryFailure) {
        writeCalls += 1
        if closed { writesAfterClose += 1 }
        if let failAfter, bytes.count + chunk.count > failAfter {
            failed = true
            throw failure
        }
        bytes.append(contentsOf: chunk)
    }

    public var size: Int { bytes.count }
    /// The bytes as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
