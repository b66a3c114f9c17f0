// POSIXCore: depends on libc (Glibc) and CShims only; nothing else of ours.
import CShims
import Glibc

/// Runs `body` until it does not fail with `EINTR`; returns its final result (-1 with `errno`
/// set on any other failure).
@inline(__always)
public func retryingEINTR<T: BinaryInteger>(_ body: () -> T) -> T {
    while true {
        let result = body()
        if result == -1 && errno == EINTR { continue }
        return result
    }
}

/// Writes `bytes` to `fd`, going on after partial writes and `EINTR`. Returns the number of
/// bytes written: all of them, or fewer when a `write` returned 0. Any other failure throws its
/// `errno` (what was written before it is lost to the caller; callers that need it do not
/// exist).
@discardableResult
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
    guard let base = bytes.baseAddress else { return 0 }
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, base + offset, bytes.count - offset)
        if n > 0 {
            offset += n
        } else if n == 0 {
            return offset
        } else {
            let code = errno
            if code == EINTR { continue }
            throw Errno(code)
        }
    }
    return offset
}

/// ``writeAll(_:_:)-(_,UnsafeRawBufferPointer)`` of an array's bytes.
@discardableResult
public func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(Errno) -> Int {
    let result = bytes.withUnsafeBytes { raw in Result { () throws(Errno) -> Int in try writeAll(fd, raw) } }
    return try result.get()
}

/// ``writeAll(_:_:)-(_,UnsafeRawBufferPointer)`` of a text's UTF-8 bytes.
@discardableResult
public func writeAll(_ fd: Int32, _ text: String) throws(Errno) -> Int {
    try writeAll(fd, Array(text.utf8))
}

/// A pipe whose two ends are close-on-exec from the start (`pipe2(O_CLOEXEC)`: no window for a
/// concurrent fork to inherit them).
public func makePipe() throws(Errno) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    guard cshim_pipe_cloexec(&fds) == 0 else { throw .current }
    return (fds[0], fds[1])
}

/// `fork(2)`: 0 in the child, the pid in the parent. Only while the process has one thread
/// (daemonizing); service children are started with `cshim_spawn`.
public func forkProcess() throws(Errno) -> pid_t {
    let pid = cshim_fork()
    guard pid >= 0 else { throw .current }
    return pid
}

/// `accept(2)` of a connection on listening socket `fd`, close-on-exec from the start
/// (`accept4(SOCK_CLOEXEC)`). Not retried: `EINTR` and the other transient errors are the
/// caller's to judge.
public func acceptConnection(_ fd: Int32) throws(Errno) -> Int32 {
    let connection = cshim_accept_cloexec(fd)
    guard connection >= 0 else { throw .current }
    return connection
}

/// Sleeps `milliseconds` (`nanosleep`), going on for the rest of the time when a signal
/// interrupts it.
public func sleepUninterrupted(milliseconds: Int) {
    var delay = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var left = timespec()
    while nanosleep(&delay, &left) != 0 && errno == EINTR { delay = left }
}
