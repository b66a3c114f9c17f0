import Foundation
import Glibc
import POSIXCore
import Systemd
import Testing

/// sd_notify and sd_watchdog_enabled read the environment: these tests change it, one at a time.
@Suite("sd_notify and the watchdog through libsystemd", .serialized)
struct NotifierTests {
    @Test("without NOTIFY_SOCKET nothing is sent and nothing fails")
    func inactive() {
        unsetenv("NOTIFY_SOCKET")
        #expect(!Notifier.isActive)
        #expect(!Notifier.send(["READY=1"]))
        Notifier.ready(status: "x")
        Notifier.watchdogPing()
    }

    @Test("READY, RELOADING with MONOTONIC_USEC, STOPPING, STATUS, MAINPID and WATCHDOG reach a real datagram socket")
    func messages() throws {
        let socket = try DatagramSocket()
        setenv("NOTIFY_SOCKET", socket.path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        #expect(Notifier.isActive)
        Notifier.ready(status: "lmtp: 1 ready")
        #expect(socket.receive() == "READY=1\nSTATUS=lmtp: 1 ready")
        let before = MonotonicClock.microseconds()
        Notifier.reloading()
        let reloading = socket.receive() ?? ""
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        let usec = UInt64(reloading.split(separator: "=").last ?? "") ?? 0
        #expect(usec >= before && usec < before + 5_000_000)
        Notifier.stopping(status: "stopping: 1 child finishing")
        #expect(socket.receive() == "STOPPING=1\nSTATUS=stopping: 1 child finishing")
        Notifier.status("s")
        #expect(socket.receive() == "STATUS=s")
        Notifier.mainPID(1234)
        #expect(socket.receive() == "MAINPID=1234")
        Notifier.watchdogPing()
        #expect(socket.receive() == "WATCHDOG=1")
    }

    @Test("WATCHDOG_USEC applies when WATCHDOG_PID is unset or ours, not for another process")
    func watchdogInterval() {
        defer { unsetenv("WATCHDOG_USEC"); unsetenv("WATCHDOG_PID") }
        unsetenv("WATCHDOG_USEC")
        #expect(Watchdog.intervalMicroseconds() == nil)
        setenv("WATCHDOG_USEC", "3000000", 1)
        #expect(Watchdog.intervalMicroseconds() == 3_000_000)
        setenv("WATCHDOG_PID", "\(getpid())", 1)
        #expect(Watchdog.intervalMicroseconds() == 3_000_000)
        setenv("WATCHDOG_PID", "\(getpid() + 1)", 1)
        #expect(Watchdog.intervalMicroseconds() == nil)
    }
}

/// A unix datagram socket at a fresh path, the way systemd's notification socket is one.
final class DatagramSocket {
    let path: String
    let fd: Int32

    init() throws {
        path = NSTemporaryDirectory() + "sd-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// The next datagram as text, nil after `timeout` seconds.
    func receive(timeout: Int32 = 2000) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, timeout) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n < 0 ? nil : String(decoding: buffer[0..<n], as: UTF8.self)
    }
}
