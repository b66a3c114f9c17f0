import Glibc
import POSIXCore

/// A non-blocking stream socket to a backend, every wait bounded: connect within a timeout,
/// then whole writes and line reads each before a deadline. A failure or timeout closes it.
final class BackendSocket {
    /// Why talking to a backend failed.
    struct Failure: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    private(set) var fd: Int32
    private var pending: [UInt8] = []

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit { close() }

    /// Connects to `address` within `timeout` seconds.
    static func connect(_ address: BackendAddress, timeout: Double) throws(Failure) -> BackendSocket {
        let deadline = MonotonicClock.now() + timeout
        switch address {
        case .unix(let path):
            var sun = sockaddr_un()
            sun.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: sun.sun_path) else { throw Failure(description: "socket path too long: \(path)") }
            withUnsafeMutableBytes(of: &sun.sun_path) { $0.copyBytes(from: bytes) }
            return try withUnsafePointer(to: &sun) { (pointer) throws(Failure) -> BackendSocket in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(Failure) -> BackendSocket in
                    try open(family: AF_UNIX, address, socklen_t(MemoryLayout<sockaddr_un>.size), deadline: deadline, name: path)
                }
            }
        case .inet(let host, let port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_NUMERICSERV
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let first = list else {
                throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
            }
            defer { freeaddrinfo(list) }
            var lastError = Failure(description: "no address for \(host)")
            var entry: UnsafeMutablePointer<addrinfo>? = first
            while let current = entry {
                do throws(Failure) {
                    return try open(family: current.pointee.ai_family, current.pointee.ai_addr, current.pointee.ai_addrlen,
                                    deadline: deadline, name: address.description)
                } catch {
                    lastError = error
                }
                entry = current.pointee.ai_next
            }
            throw lastError
        }
    }

    private static func open(family: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t, deadline: Double,
                             name: String) throws(Failure) -> BackendSocket {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errnoText())") }
        let socket = BackendSocket(fd: fd)
        if Glibc.connect(fd, address, length) != 0 {
            guard errno == EINPROGRESS || errno == EINTR else { throw Failure(description: "connect to \(name): \(errnoText())") }
            try socket.wait(Int16(POLLOUT), until: deadline, doing: "connect to \(name)")
            var error: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
            guard error == 0 else { throw Failure(description: "connect to \(name): \(String(cString: strerror(error)))") }
        }
        return socket
    }

    /// Writes all of `bytes` before `deadline`.
    func write(_ bytes: UnsafeRawBufferPointer, until deadline: Double) throws(Failure) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            guard fd >= 0 else { throw Failure(description: "connection closed") }
            let n = send(fd, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n > 0 {
                offset += n
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try wait(Int16(POLLOUT), until: deadline, doing: "write")
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                let reason = n == 0 ? "connection closed" : errnoText()
                close()
                throw Failure(description: "write: \(reason)")
            }
        }
    }

    func write(_ text: String, until deadline: Double) throws(Failure) {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { raw in Result { () throws(Failure) in try write(raw, until: deadline) } }
        try result.get()
    }

    /// The next line, without its line end, before `deadline`.
    func readLine(until deadline: Double) throws(Failure) -> String {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                var line = pending[..<newline]
                if line.last == 0x0D { line = line.dropLast() }
                let text = String(decoding: line, as: UTF8.self)
                pending.removeSubrange(...newline)
                return text
            }
            guard pending.count < 64 * 1024, fd >= 0 else {
                close()
                throw Failure(description: "reply line too long")
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                pending += chunk[0..<n]
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try wait(Int16(POLLIN), until: deadline, doing: "read")
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                let reason = n == 0 ? "connection closed by the backend" : errnoText()
                close()
                throw Failure(description: reason)
            }
        }
    }

    /// Whether the backend has closed the connection (or sent something unasked) while idle.
    var looksClosed: Bool {
        guard fd >= 0 else { return true }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) != 0
    }

    private func wait(_ events: Int16, until deadline: Double, doing what: String) throws(Failure) {
        switch DescriptorReadiness.wait(fd: fd, events: events, until: deadline) {
        case .ready: return
        case .timedOut:
            close()
            throw Failure(description: "\(what): timed out")
        case .failed(let text):
            close()
            throw Failure(description: "\(what): \(text)")
        }
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }
}
