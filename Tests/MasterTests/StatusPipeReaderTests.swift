import Glibc
import ServiceContract
import Testing
@testable import Master

@Suite("status pipe, master's end")
struct StatusPipeReaderTests {
    func write(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    @Test("reads every 8-byte message until EAGAIN, in order, without blocking")
    func drain() throws {
        let pipe = try StatusPipeReader()
        #expect(pipe.drain() == .init())
        let sent = (0..<1000).map { StatusMessage(code: $0 % 2 == 0 ? .unavailable : .available, pid: Int32(1000 + $0)) }
        for message in sent { write(pipe.writeFD, message.bytes) }
        let batch = pipe.drain()
        #expect(batch.messages == sent)
        #expect(batch.strayBytes == 0)
        #expect(pipe.drain().messages.isEmpty)
    }

    @Test("a short write is reported, not misread")
    func stray() throws {
        let pipe = try StatusPipeReader()
        write(pipe.writeFD, StatusMessage(code: .connection, pid: 7).bytes + [1, 2, 3])
        let batch = pipe.drain()
        #expect(batch.messages == [StatusMessage(code: .connection, pid: 7)])
        #expect(batch.strayBytes == 3)
    }

    @Test("both ends are close-on-exec in master")
    func cloexec() throws {
        let pipe = try StatusPipeReader()
        #expect(fcntl(pipe.readFD, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(pipe.writeFD, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(pipe.readFD, F_GETFL) & O_NONBLOCK != 0)
    }
}
