import Foundation
import Glibc
import LMTP
import Testing
@testable import LMTPServer

/// Replies written to a client's descriptor: sockets (a master's connection) and pipes
/// (lmtpd on stdin/stdout) both get every byte in order, and a client that stops reading
/// cannot hold the writer past its timeout.
@Suite("Replies written to a descriptor")
struct DescriptorOutputTests {
    /// Both ends of a Unix stream socket pair, or of a pipe: (read end, write end).
    static func channel(socket: Bool) throws -> (reader: Int32, writer: Int32) {
        var fds: [Int32] = [-1, -1]
        if socket {
            try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        } else {
            try #require(pipe(&fds) == 0)
        }
        return (fds[0], fds[1])
    }

    /// Everything readable from `fd` until end of input, read on a thread of its own.
    final class Collector: @unchecked Sendable {
        private var bytes: [UInt8] = []
        private let done = DispatchSemaphore(value: 0)

        init(_ fd: Int32) {
            Thread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n <= 0 { break }
                    self.bytes += buffer[0..<n]
                }
                close(fd)
                self.done.signal()
            }.start()
        }

        func result() -> [UInt8] {
            done.wait()
            return bytes
        }
    }

    @Test("4 MB in one write and many small ones arrive whole and in order", arguments: [true, false])
    func everyByteArrives(socket: Bool) throws {
        let (reader, writer) = try Self.channel(socket: socket)
        let collector = Collector(reader)
        let output = DescriptorOutput(fd: writer, timeout: 10)
        let large = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var expected: [UInt8] = []
        try large.withUnsafeBytes { try output.write($0) }
        expected += large
        for index in 0..<1000 {
            let reply = Array("250 2.1.5 ok \(index)\r\n".utf8)
            try reply.withUnsafeBytes { try output.write($0) }
            expected += reply
        }
        close(writer)
        #expect(collector.result() == expected)
    }

    @Test("a client that never reads makes the write time out, not hang", arguments: [true, false])
    func stalledReaderTimesOut(socket: Bool) throws {
        let (reader, writer) = try Self.channel(socket: socket)
        defer {
            close(reader)
            close(writer)
        }
        let output = DescriptorOutput(fd: writer, timeout: 1)
        let flood = [UInt8](repeating: UInt8(ascii: "x"), count: 16 << 20)
        let started = Date()
        #expect(throws: StreamError.timedOut) { try flood.withUnsafeBytes { try output.write($0) } }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test("a client gone is a write error, not a signal that kills the process", arguments: [true, false])
    func vanishedReader(socket: Bool) throws {
        signal(SIGPIPE, SIG_IGN)
        let (reader, writer) = try Self.channel(socket: socket)
        defer { close(writer) }
        close(reader)
        let output = DescriptorOutput(fd: writer, timeout: 1)
        let reply = Array("250 ok\r\n".utf8)
        #expect(throws: StreamError.self) { try reply.withUnsafeBytes { try output.write($0) } }
    }
}
