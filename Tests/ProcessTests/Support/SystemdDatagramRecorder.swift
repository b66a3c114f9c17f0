import Foundation
import Glibc
import POSIXCore

/// A unix datagram socket bound at a path; a thread records every datagram with its arrival
/// time (monotonic seconds) until the recorder is released, which also removes the socket file.
final class SystemdDatagramRecorder: @unchecked Sendable {
    /// What the thread shares with the recorder (the thread never holds the recorder itself,
    /// so releasing it stops the thread).
    private final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var datagrams: [(time: Double, bytes: [UInt8])] = []
        var running = true
        let done = DispatchSemaphore(value: 0)
    }

    let path: String
    private let fd: Int32
    private let shared = Shared()

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, rc == 0 else {
            let reason = errnoText()
            if fd >= 0 { close(fd) }
            throw HarnessError("cannot bind \(path): \(reason)")
        }
        let (socketFD, shared) = (fd, shared)
        Thread {
            Self.receive(socketFD, into: shared)
            shared.done.signal()
        }.start()
    }

    deinit {
        shared.lock.withLock { shared.running = false }
        shared.done.wait()
        close(fd)
        unlink(path)
    }

    /// Every datagram so far, in arrival order.
    var datagrams: [(time: Double, bytes: [UInt8])] { shared.lock.withLock { shared.datagrams } }

    private static func receive(_ fd: Int32, into shared: Shared) {
        var buffer = [UInt8](repeating: 0, count: 1 << 17)
        while shared.lock.withLock({ shared.running }) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) == 1 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { continue }
            let datagram = (time: MonotonicClock.now(), bytes: Array(buffer[0..<n]))
            shared.lock.withLock { shared.datagrams.append(datagram) }
        }
    }
}
