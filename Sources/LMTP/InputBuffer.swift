#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The session's one reusable input buffer: bytes read but not yet consumed live in
/// `start..<end`. Lines are found with `memchr`; nothing is copied per line, and the live bytes
/// are moved to the front only when the free tail runs short.
final class InputBuffer {
    let capacity: Int
    private let base: UnsafeMutableRawPointer
    private(set) var start = 0
    private(set) var end = 0
    /// Everything in `start..<scanned` is known to hold no LF.
    private var scanned = 0

    init(capacity: Int = 64 * 1024) {
        self.capacity = Swift.max(capacity, 16)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Number of unconsumed bytes.
    var count: Int { end - start }

    /// The unconsumed bytes (valid until the next `fill` or `consume`).
    var live: UnsafeRawBufferPointer { bytes(start, end) }

    /// Bytes `from..<to` of the buffer (absolute indices).
    func bytes(_ from: Int, _ to: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + from, count: to - from)
    }

    /// The byte at an absolute index.
    subscript(index: Int) -> UInt8 { base.load(fromByteOffset: index, as: UInt8.self) }

    /// Absolute index of the first LF among the unconsumed bytes, or nil.
    func firstLF() -> Int? {
        let from = Swift.max(start, scanned)
        guard from < end else { return nil }
        guard let found = memchr(base + from, 0x0A, end - from) else {
            scanned = end
            return nil
        }
        return base.distance(to: found)
    }

    /// Marks bytes up to (not including) the absolute index `index` as consumed.
    func consume(upTo index: Int) {
        start = Swift.min(Swift.max(index, start), end)
        if start == end {
            start = 0
            end = 0
            scanned = 0
        } else if scanned < start {
            scanned = start
        }
    }

    /// Consumes everything.
    func consumeAll() { consume(upTo: end) }

    /// Reads more input after the unconsumed bytes. Returns false at end of stream.
    /// Requires `count < capacity`.
    func fill(from input: ByteInput) throws(StreamError) -> Bool {
        if start > 0 && capacity - end < capacity / 4 {
            let live = end - start
            memmove(base, base + start, live)
            scanned -= start
            start = 0
            end = live
        }
        let room = capacity - end
        guard room > 0 else { throw .failed("input buffer full") }
        let n = try input.read(into: UnsafeMutableRawBufferPointer(start: base + end, count: room))
        guard n >= 0 && n <= room else { throw .failed("invalid read length \(n)") }
        end += n
        return n > 0
    }
}
