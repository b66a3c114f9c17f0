#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIXCore

// The mailstore's system calls: POSIXCore's, with failures as `StoreError` values naming the
// operation and path. Every call that can be interrupted is retried on EINTR.

/// `open(2)` with EINTR retry. Returns the descriptor or -1 with `errno` set.
func openRetrying(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    retryingEINTR { open(path, flags, mode) }
}

/// Writes all `count` bytes at `base`, handling partial writes and EINTR.
func writeAll(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int, path: String) throws(StoreError) {
    let written: Int
    do {
        written = try POSIXCore.writeAll(fd, UnsafeRawBufferPointer(start: base, count: count))
    } catch {
        throw StoreError.fromErrno(error.code, operation: "write \(path)")
    }
    // A regular file never accepts zero bytes without an error; treat as no space.
    if written < count { throw .storageFull }
}

/// `fsync(2)` with EINTR retry.
func fsyncRetrying(_ fd: Int32, path: String) throws(StoreError) {
    if retryingEINTR({ fsync(fd) }) != 0 {
        throw StoreError.fromErrno(errno, operation: "fsync \(path)")
    }
}

/// Makes a directory's entries durable: opens it read-only and fsyncs it. Filesystems that
/// cannot fsync a directory (`EINVAL`, `ENOTSUP`) are accepted as they are.
func fsyncDirectory(_ path: String) throws(StoreError) {
    let fd = openRetrying(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd < 0 { throw StoreError.fromErrno(errno, operation: "open directory \(path)") }
    defer { _ = close(fd) }
    if retryingEINTR({ fsync(fd) }) != 0 {
        let code = errno
        if code == EINVAL || code == ENOTSUP { return }
        throw StoreError.fromErrno(code, operation: "fsync directory \(path)")
    }
}

/// `link(2)` with EINTR retry: 0, or the `errno` value of the failure.
func linkRetrying(_ from: String, _ to: String) -> Int32 {
    retryingEINTR { link(from, to) } == 0 ? 0 : errno
}

/// `rename(2)` with EINTR retry: 0, or the `errno` value of the failure.
func renameRetrying(_ from: String, _ to: String) -> Int32 {
    retryingEINTR { rename(from, to) } == 0 ? 0 : errno
}

/// `unlink(2)`, ignoring the result (cleanup on an error path or after success).
func unlinkQuietly(_ path: String) {
    _ = retryingEINTR { unlink(path) }
}

/// `close(2)` without retry (on Linux the descriptor is gone even after EINTR).
func closeQuietly(_ fd: Int32) {
    if fd >= 0 { _ = close(fd) }
}

/// The `stat` of `path` (following symlinks), or nil with `errno` set.
func statPath(_ path: String) -> stat? {
    var info = stat()
    return retryingEINTR({ stat(path, &info) }) == 0 ? info : nil
}

/// Whether `path` is a directory (following symlinks).
func isDirectory(_ path: String) -> Bool {
    guard let info = statPath(path) else { return false }
    return (info.st_mode & S_IFMT) == S_IFDIR
}

/// The names in a directory, without `.` and `..` (empty when it cannot be read).
func directoryEntries(_ path: String) -> [String] {
    guard let stream = opendir(path) else { return [] }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// The first `limit` bytes of a regular file and its `stat`, or nil when it does not exist.
/// `limit` + 1 bytes are asked for, so a caller can tell a file longer than `limit`.
func readSmallFile(_ path: String, limit: Int) throws(StoreError) -> (bytes: [UInt8], info: stat)? {
    let fd = openRetrying(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    if fd < 0 {
        let code = errno
        if code == ENOENT || code == ENOTDIR { return nil }
        throw StoreError.fromErrno(code, operation: "open \(path)")
    }
    defer { closeQuietly(fd) }
    var info = stat()
    if fstat(fd, &info) != 0 { throw StoreError.fromErrno(errno, operation: "fstat \(path)") }
    var bytes = [UInt8](repeating: 0, count: limit + 1)
    var filled = 0
    while filled < bytes.count {
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
        if n < 0 {
            if errno == EINTR { continue }
            throw StoreError.fromErrno(errno, operation: "read \(path)")
        }
        if n == 0 { break }
        filled += n
    }
    bytes.removeSubrange(filled...)
    return (bytes, info)
}
