import Foundation
import Glibc
import Testing
import ServiceContract

@Suite("status pipe and accept lock")
struct ChildPiecesTests {
    @Test("a status message is one 8-byte write with our pid")
    func statusPipe() {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        #expect(StatusPipe(fd: fds[1]).send(.unavailable) == nil)
        #expect(StatusPipe(fd: fds[1]).send(.connection) == nil)
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
        #expect(n == 16)
        #expect(StatusMessage(bytes: buffer[0..<8]) == StatusMessage(code: .unavailable, pid: getpid()))
        #expect(StatusMessage(bytes: buffer[8..<16]) == StatusMessage(code: .connection, pid: getpid()))
        #expect(StatusPipe(fd: -1).send(.available) != nil, "a failed write is reported, not fatal")
    }

    @Test("the lock file is created 0600; without its directory locking is disabled but accept goes on")
    func acceptLock() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("acceptlock-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("lmtp-0.lock").path
        let lock = AcceptLock(path: path)
        #expect(lock.isEnabled && lock.problem == nil)
        #expect(lock.acquire(shouldStop: { true }) == .interrupted, "a pending stop wins before waiting")
        #expect(lock.acquire(shouldStop: { false }) == .acquired)
        lock.release()
        var status = stat()
        #expect(stat(path, &status) == 0 && status.st_mode & 0o777 == 0o600)

        let missing = AcceptLock(path: dir.appendingPathComponent("no/such/dir.lock").path)
        #expect(!missing.isEnabled)
        #expect(missing.problem == "No such file or directory")
        #expect(missing.acquire(shouldStop: { false }) == .acquired)
    }

    @Test("the program file is unchanged right after start")
    func programFile() {
        let program = ProgramFile()
        #expect(program.path != nil)
        #expect(!program.hasChanged)
    }
}
