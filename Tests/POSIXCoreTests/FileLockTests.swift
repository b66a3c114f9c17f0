import Foundation
import Glibc
import POSIXCore
import Testing

@Suite("whole-file fcntl locks")
struct FileLockTests {
    /// A python3 process that holds the lock on `path` until its standard input closes.
    private func startHolder(_ path: String) throws -> (Process, Pipe) {
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", """
            import fcntl, sys
            f = open(sys.argv[1], 'r+')
            fcntl.lockf(f, fcntl.LOCK_EX)
            print('locked', flush=True)
            sys.stdin.read()
            """, path]
        let input = Pipe(), output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { break }
            line += more
        }
        #expect(String(decoding: line, as: UTF8.self) == "locked\n")
        return (holder, input)
    }

    @Test("lock, try, holder and unlock, against another process")
    func conflicts() throws {
        let path = "/tmp/posixcore-lock-\(getpid())"
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer { close(fd); unlink(path) }

        try FileLock.tryLock(fd)
        #expect(try FileLock.holder(fd) == nil, "our own lock never conflicts")
        try FileLock.lock(fd)
        try FileLock.unlock(fd)

        let (holder, input) = try startHolder(path)
        #expect(throws: Errno.self) { try FileLock.tryLock(fd) }
        do { try FileLock.tryLock(fd) } catch { #expect(error == Errno(EAGAIN) || error == Errno(EACCES)) }
        #expect(try FileLock.holder(fd) == holder.processIdentifier)
        try input.fileHandleForWriting.close()
        holder.waitUntilExit()
        #expect(try FileLock.holder(fd) == nil)
        try FileLock.tryLock(fd)
        try FileLock.unlock(fd)
    }

    @Test("a descriptor that is not open gives EBADF")
    func badDescriptor() {
        #expect(throws: Errno(EBADF)) { try FileLock.tryLock(-1) }
        #expect(throws: Errno(EBADF)) { try FileLock.holder(-1) }
    }
}
