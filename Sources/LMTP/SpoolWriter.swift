#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Gathers the stored bytes of one message into a reusable chunk and hands the spool large
/// spans. Counts the stored size even after writing stopped, so that the size limit reply can
/// name it. Writing stops for good once the size limit is passed, the spool fails, or the
/// message is known to be rejected.
final class SpoolWriter {
    private let spool: any MessageSpool
    private let chunk: UnsafeMutableRawBufferPointer
    private var used = 0
    /// `maxmessagesize`; 0 = unlimited.
    let limit: Int
    /// Stored size of the message so far (written or not).
    private(set) var size = 0
    /// The stored size passed `limit`.
    private(set) var tooBig = false
    /// The spool's first write error.
    private(set) var failure: DeliveryFailure?
    /// Set when the message will be rejected anyway: bytes are only counted.
    private var abandoned = false

    init(spool: any MessageSpool, limit: Int, chunkSize: Int = 64 * 1024) {
        self.spool = spool
        self.limit = limit
        chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(chunkSize, 64), alignment: 16)
    }

    deinit { chunk.deallocate() }

    private var writing: Bool { !tooBig && failure == nil && !abandoned }

    /// Stops writing: the message is rejected for its content.
    func abandon() {
        abandoned = true
        used = 0
    }

    /// Appends bytes as they are.
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard count(bytes.count), let source = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            if used == chunk.count {
                flushChunk()
                guard writing else { return }
            }
            let n = Swift.min(bytes.count - offset, chunk.count - used)
            (chunk.baseAddress! + used).copyMemory(from: source + offset, byteCount: n)
            used += n
            offset += n
        }
    }

    /// Appends bytes leaving out every CR.
    func appendRemovingCR(_ bytes: UnsafeRawBufferPointer) {
        guard var cursor = bytes.baseAddress else { return }
        let stop = cursor + bytes.count
        while cursor < stop {
            let left = cursor.distance(to: stop)
            let found = memchr(cursor, 0x0D, left).map { UnsafeRawPointer($0) } ?? stop
            let run = cursor.distance(to: found)
            if run > 0 { append(UnsafeRawBufferPointer(start: cursor, count: run)) }
            cursor = found == stop ? stop : found + 1
        }
    }

    /// Appends one byte.
    func append(byte: UInt8) {
        guard count(1) else { return }
        if used == chunk.count {
            flushChunk()
            guard writing else { return }
        }
        chunk[used] = byte
        used += 1
    }

    /// Appends a string's UTF-8 bytes.
    func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Writes what is gathered.
    func finish() {
        if used > 0 { flushChunk() }
    }

    /// Accounts for `n` more stored bytes; false when they must not be written.
    private func count(_ n: Int) -> Bool {
        size += n
        if limit > 0 && size > limit && !tooBig {
            tooBig = true
            used = 0
        }
        return writing
    }

    private func flushChunk() {
        guard writing, used > 0 else { used = 0; return }
        do {
            try spool.write(UnsafeRawBufferPointer(start: chunk.baseAddress, count: used))
        } catch {
            failure = error
        }
        used = 0
    }
}
