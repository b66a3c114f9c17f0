import CShims
import Foundation
import Glibc
import POSIXCore
import ServiceContract

/// The test side of a Cyrus master for one listener: it binds the socket, owns the status pipe,
/// starts real lmtpd children with the socket on fd 4, the pipe on fd 3 and
/// `CYRUS_SERVICE`/`CYRUS_ID` set (every other descriptor closed), and reads their 8-byte
/// status messages.
final class FakeMaster {
    enum Listener {
        case unix, tcp, unixDatagram
    }

    let bed: MailTestbed
    let listenFD: Int32
    /// The unix socket's path (unix listeners).
    let socketPath: String
    /// The bound port (tcp listener).
    private(set) var port: UInt16 = 0
    private let statusRead: Int32
    private let statusWrite: Int32
    private var spawned = 0

    init(_ bed: MailTestbed, listener: Listener = .unix) throws {
        self.bed = bed
        socketPath = bed.root.appendingPathComponent("lmtp.sock").path
        guard let pipe = try? makePipe() else { throw POSIXError(.EMFILE) }
        statusRead = pipe.read
        statusWrite = pipe.write
        switch listener {
        case .unix: listenFD = try Self.unixSocket(socketPath, type: SOCK_STREAM)
        case .unixDatagram: listenFD = try Self.unixSocket(socketPath, type: SOCK_DGRAM)
        case .tcp: (listenFD, port) = try Self.loopbackSocket()
        }
    }

    deinit {
        close(listenFD)
        close(statusRead)
        close(statusWrite)
        unlink(socketPath)
    }

    /// `{configdirectory}/socket/lmtpunix-0.lock` of the testbed.
    var lockPath: String {
        ServiceContract.acceptLockPath(configDirectory: bed.root.appendingPathComponent("conf").path,
                                       service: "lmtpunix", id: "0")
    }

    /// Creates `{configdirectory}/socket` so that children can use the accept lock.
    func createSocketDirectory() throws {
        try FileManager.default.createDirectory(atPath: (lockPath as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
    }

    /// Starts lmtpd as master would (`-C <testbed's imapd.conf> --log-to-stderr` + `arguments`);
    /// its standard error goes to a log file. Waits until its signal handlers are installed.
    func spawn(_ arguments: [String] = [], service: String? = "lmtpunix", id: String? = "0",
               executable: String = TestPaths.executable("lmtpd"), waitUntilReady: Bool = true) throws -> ServiceProcess {
        spawned += 1
        try ServiceUserHandover.prepare(bed.root)
        let log = bed.root.appendingPathComponent("lmtpd-\(spawned).log")
        let logFD = open(log.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        let nullFD = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(logFD); close(nullFD) }
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "CYRUS_SERVICE")
        environment.removeValue(forKey: "CYRUS_ID")
        if let service { environment["CYRUS_SERVICE"] = service }
        if let id { environment["CYRUS_ID"] = id }
        let path = executable
        let argv = [path, "-C", bed.configFile.path, "--log-to-stderr"] + arguments
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        let pid = cshim_spawn_stdio(path, &cArgs, &cEnv, statusWrite, listenFD, nullFD, nullFD, logFD)
        guard pid > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EAGAIN) }
        let process = ServiceProcess(pid: pid, log: log)
        if waitUntilReady && !process.waitUntilCatching(SIGTERM) {
            throw POSIXError(.ETIMEDOUT)
        }
        return process
    }

    /// The next status message, or nil if none arrives within `timeout` seconds.
    func nextMessage(timeout: Double = 5) -> StatusMessage? {
        var bytes: [UInt8] = []
        let end = Date().addingTimeInterval(timeout)
        while bytes.count < StatusMessage.size {
            guard waitReadable(statusRead, until: end) else { return nil }
            var chunk = [UInt8](repeating: 0, count: StatusMessage.size - bytes.count)
            let n = chunk.withUnsafeMutableBytes { read(statusRead, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            bytes += chunk[0..<n]
        }
        return StatusMessage(bytes: bytes)
    }

    /// The next `count` messages (fewer if they do not come within `timeout` seconds each).
    func messages(_ count: Int, timeout: Double = 5) -> [StatusMessage] {
        var result: [StatusMessage] = []
        while result.count < count, let message = nextMessage(timeout: timeout) { result.append(message) }
        return result
    }

    /// Connects a client to the listener.
    func connect() throws -> LMTPConnection {
        if port != 0 { return try LMTPConnection(tcpPort: port) }
        return try LMTPConnection(unixPath: socketPath)
    }

    // MARK: sockets

    private static func unixSocket(_ path: String, type: __socket_type) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        unlink(path)
        var address = try unixAddress(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, type == SOCK_DGRAM || listen(fd, 32) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        return fd
    }

    private static func loopbackSocket() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 32) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}

/// A `sockaddr_un` for `path`.
func unixAddress(_ path: String) throws -> sockaddr_un {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw POSIXError(.ENAMETOOLONG) }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (index, byte) in bytes.enumerated() { raw[index] = byte }
    }
    return address
}

/// A service child started by `FakeMaster`.
final class ServiceProcess {
    let pid: pid_t
    /// Its standard error (lmtpd runs with `--log-to-stderr`).
    let logFile: URL
    private var status: Int32?

    init(pid: pid_t, log: URL) {
        self.pid = pid
        logFile = log
    }

    deinit {
        if status == nil {
            Glibc.kill(pid, SIGKILL)
            _ = exitStatus(within: 5)
        }
    }

    /// The log lines written so far.
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    func kill(_ signal: Int32) { _ = Glibc.kill(pid, signal) }

    /// Waits until the process has a handler for `signal` (lmtpd installs its handlers first).
    func waitUntilCatching(_ signal: Int32, timeout: Double = 30) -> Bool {
        processCatches(pid, signal, within: timeout) { self.isRunning }
    }

    /// Whether it still runs (a zombie counts as ended; it is reaped here).
    var isRunning: Bool { exitStatus(within: 0) == nil }

    /// The exit status (128 + signal when killed), or nil if it still runs after `timeout` s.
    func exitStatus(within timeout: Double) -> Int32? {
        if let status { return status }
        guard let code = reapChild(pid, within: timeout) else { return nil }
        status = code
        return code
    }

    /// The exit status; kills the process if it is still running after `timeout` seconds.
    func wait(timeout: Double = 10) -> Int32 {
        if let code = exitStatus(within: timeout) { return code }
        kill(SIGKILL)
        return exitStatus(within: 5) ?? -1
    }
}

extension ChildProcess {
    /// Waits until lmtpd has a handler for `signal` (it installs its handlers first).
    func waitUntilCatching(_ signal: Int32, timeout: Double = 30) -> Bool {
        processCatches(pid, signal, within: timeout) { Glibc.kill(self.pid, 0) == 0 }
    }
}

/// Polls /proc until process `pid` has a handler for `signal`.
private func processCatches(_ pid: pid_t, _ signal: Int32, within timeout: Double, alive: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
        if cshim_signal_caught_by(pid, signal) == 1 { return true }
        if !alive() { return false }
        usleep(2000)
    }
    return false
}

/// A client connection to a service child, read line by line with timeouts.
final class LMTPConnection {
    private(set) var fd: Int32
    private var pending: [UInt8] = []

    init(unixPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = try unixAddress(unixPath)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, rc == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    init(tcpPort: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = tcpPort.bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, rc == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    /// Sends text (no SIGPIPE); false if the peer is gone.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return false }
        }
        return true
    }

    /// The next CRLF-terminated line without its CRLF; nil at end of stream or timeout.
    func readLine(timeout: Double = 5) -> String? {
        let end = Date().addingTimeInterval(timeout)
        while true {
            if let lf = pending.firstIndex(of: 0x0A) {
                var line = Array(pending[..<lf])
                pending.removeFirst(lf + 1)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard fill(until: end) else { return nil }
        }
    }

    /// The lines of one reply (up to the line whose fourth character is a space).
    func readReply(timeout: Double = 5) -> [String] {
        var lines: [String] = []
        while let line = readLine(timeout: timeout) {
            lines.append(line)
            if line.count < 4 || line.dropFirst(3).first == " " { break }
        }
        return lines
    }

    /// The final line of the next reply ("" if none came).
    func reply(timeout: Double = 5) -> String { readReply(timeout: timeout).last ?? "" }

    /// Whether the peer closed the connection (end of stream within `timeout`, nothing else read).
    func isClosed(timeout: Double = 5) -> Bool {
        pending.isEmpty && !fill(until: Date().addingTimeInterval(timeout)) && pending.isEmpty
    }

    /// Reads more bytes; false at end of stream, error or deadline.
    private func fill(until end: Date) -> Bool {
        while true {
            guard waitReadable(fd, until: end) else { return false }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            pending += chunk[0..<n]
            return true
        }
    }
}
