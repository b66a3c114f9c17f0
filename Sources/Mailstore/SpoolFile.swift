#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One message being written: a uniquely named file in a Maildir's `tmp/`, written through a
/// 64 KiB buffer (one `write(2)` per full buffer; writes of a buffer's size or more go
/// straight to the file when nothing is buffered). No allocation happens per write.
///
/// Obtained from `Mailstore.openSpool(in:)`, consumed by `Mailstore.deliver(_:to:)` or
/// `Mailstore.discard(_:)`. Any write error closes and unlinks the file at once; every later
/// call reports the same error. A spool dropped without delivery is discarded, so its message
/// can never reach `new/`. Not thread-safe: one spool belongs to one writer.
public final class SpoolFile {
    /// Size of the write buffer.
    public static let bufferCapacity = 64 * 1024

    /// The file's path in `tmp/`.
    public let path: String
    /// The Maildir whose `tmp/` holds the file.
    let maildir: Maildir
    /// Number of bytes written so far (buffered bytes included): the exact size of the
    /// message as it will be stored.
    public private(set) var size: Int = 0

    /// The open descriptor, or -1 once closed.
    private(set) var fd: Int32
    private let buffer: UnsafeMutableRawPointer
    private var buffered = 0
    /// The first error; once set the file is gone and the spool is unusable.
    private(set) var failure: StoreError?

    init(fd: Int32, path: String, maildir: Maildir) {
        self.fd = fd
        self.path = path
        self.maildir = maildir
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: SpoolFile.bufferCapacity, alignment: 16)
    }

    deinit {
        discard()
        buffer.deallocate()
    }

    /// Whether the spool can still be written or delivered.
    public var isOpen: Bool { fd >= 0 }

    /// Appends `bytes` to the message. Throws `.storageFull` when the disk is full, `.io` on
    /// other errors; in both cases the file has already been removed.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
        guard fd >= 0 else { throw unusable() }
        let count = bytes.count
        guard count > 0, var source = bytes.baseAddress else { return }
        let capacity = SpoolFile.bufferCapacity
        var filled = buffered
        if filled + count < capacity {
            // The common case: the bytes fit, no system call.
            (buffer + filled).copyMemory(from: source, byteCount: count)
            buffered = filled + count
            size += count
            return
        }
        var remaining = count
        while remaining > 0 {
            if filled == 0 && remaining >= capacity {
                try writeOrFail(source, remaining)
                break
            }
            let chunk = min(capacity - filled, remaining)
            (buffer + filled).copyMemory(from: source, byteCount: chunk)
            filled += chunk
            source += chunk
            remaining -= chunk
            if filled == capacity {
                filled = 0
                buffered = 0
                try writeOrFail(buffer, capacity)
            }
        }
        buffered = filled
        size += count
    }

    /// Writes out the buffered bytes.
    func flush() throws(StoreError) {
        try checkUsable()
        guard buffered > 0 else { return }
        let count = buffered
        buffered = 0
        try writeOrFail(buffer, count)
    }

    /// Flushes, optionally fsyncs, and checks that the file holds exactly `size` bytes, so the
    /// `S=` field of every name it gets is true. On failure the spool is discarded.
    func makeDurable(fsync durable: Bool) throws(StoreError) {
        try flush()
        do throws(StoreError) {
            if durable { try fsyncRetrying(fd, path: path) }
            var info = stat()
            if fstat(fd, &info) != 0 { throw StoreError.fromErrno(errno, operation: "fstat \(path)") }
            if Int(info.st_size) != size {
                throw StoreError.io(operation: "check size of \(path)", errno: EIO,
                                    message: "file holds \(info.st_size) bytes, \(size) were written")
            }
        } catch {
            fail(error)
            throw error
        }
    }

    /// Copies the whole message into `destination` (an open descriptor), reusing the spool's
    /// buffer. Call only after `makeDurable`, when nothing is buffered.
    func copy(to destination: Int32, destinationPath: String) throws(StoreError) {
        try checkUsable()
        var offset = 0
        while offset < size {
            let n = pread(fd, buffer, min(SpoolFile.bufferCapacity, size - offset), off_t(offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError.fromErrno(errno, operation: "read \(path)")
            }
            if n == 0 {
                throw StoreError.io(operation: "read \(path)", errno: EIO, message: "file shorter than its size")
            }
            try writeAll(destination, buffer, n, path: destinationPath)
            offset += n
        }
    }

    /// The whole message as written so far, for a filter that reads the message before it is
    /// delivered; nil when larger than `limit`. A message still wholly in the buffer (most
    /// mail) is copied from there; otherwise the buffer is written out and the file read.
    public func contents(limit: Int) throws(StoreError) -> [UInt8]? {
        try checkUsable()
        guard size <= limit else { return nil }
        if buffered == size {
            return [UInt8](UnsafeRawBufferPointer(start: buffer, count: size))
        }
        try flush()
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + offset, size - offset, off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError.fromErrno(errno, operation: "read \(path)")
            }
            if n == 0 { throw StoreError.io(operation: "read \(path)", errno: EIO, message: "file shorter than its size") }
            offset += n
        }
        return bytes
    }

    /// Closes and unlinks the file (idempotent).
    func discard() {
        guard fd >= 0 else { return }
        closeQuietly(fd)
        fd = -1
        buffered = 0
        unlinkQuietly(path)
    }

    /// Records the first error and removes the file.
    private func fail(_ error: StoreError) {
        if failure == nil { failure = error }
        discard()
    }

    private func checkUsable() throws(StoreError) {
        if fd < 0 { throw unusable() }
    }

    /// The error for a spool that is closed: its first failure, or `EBADF` after delivery or
    /// discard.
    private func unusable() -> StoreError {
        failure ?? .io(operation: "use spool \(path)", errno: EBADF, message: "spool already delivered or discarded")
    }

    private func writeOrFail(_ base: UnsafeRawPointer, _ count: Int) throws(StoreError) {
        do throws(StoreError) {
            try writeAll(fd, base, count, path: path)
        } catch {
            fail(error)
            throw error
        }
    }
}
