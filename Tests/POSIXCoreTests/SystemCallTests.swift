import Foundation
import Glibc
import POSIXCore
import Testing

@Suite("system calls: errors as values, write-all, pipes")
struct SystemCallTests {
    @Test("a failed call comes back as its errno value with strerror's text")
    func errnoValue() {
        let fd = retryingEINTR { open("/nonexistent-\(getpid())/x", O_RDONLY) }
        #expect(fd == -1)
        let error = Errno.current
        #expect(error == Errno(ENOENT))
        #expect(error.text == "No such file or directory")
        #expect("\(error)" == "No such file or directory")
        #expect(errnoText(EACCES) == "Permission denied")
    }

    @Test("writeAll on a bad descriptor throws EBADF")
    func writeAllFailure() {
        #expect(throws: Errno(EBADF)) { try writeAll(-1, "x") }
    }

    @Test("writeAll writes a large buffer over a pipe while a reader drains it")
    func writeAllOverPipe() throws {
        let pipe = try makePipe()
        defer { close(pipe.read) }
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let received = ReceivedBytes()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(pipe.read, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                received.append(buffer[0..<n])
            }
            done.signal()
        }
        let written = try writeAll(pipe.write, payload)
        close(pipe.write)
        done.wait()
        #expect(written == payload.count)
        #expect(received.bytes == payload)
    }

    @Test("a pipe's ends are close-on-exec")
    func pipeCloexec() throws {
        let pipe = try makePipe()
        defer { close(pipe.read); close(pipe.write) }
        #expect(fcntl(pipe.read, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(pipe.write, F_GETFD) & FD_CLOEXEC != 0)
        #expect(try writeAll(pipe.write, "hello") == 5)
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(read(pipe.read, &buffer, 8) == 5)
    }

    @Test("ExitStatus holds the sysexits codes")
    func exitCodes() {
        #expect([ExitStatus.ok, ExitStatus.usage, ExitStatus.unavailable, ExitStatus.software,
                 ExitStatus.osError, ExitStatus.tempFail, ExitStatus.config] == [0, 64, 69, 70, 71, 75, 78])
    }
}

final class ReceivedBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [UInt8] = []
    func append(_ more: ArraySlice<UInt8>) { lock.withLock { storage += more } }
    var bytes: [UInt8] { lock.withLock { storage } }
}
