import COpenSSL
import Foundation
import Glibc

/// An LMTP client on a TCP socket that can switch to TLS in the middle (OpenSSL, client side),
/// for tests that need exact control of the bytes around STARTTLS. Reads give up after a
/// timeout (SO_RCVTIMEO), so a test never hangs on a silent server.
final class TLSClientConnection {
    let fd: Int32
    private var pending: [UInt8] = []
    private var context: OpaquePointer?
    private var ssl: OpaquePointer?
    /// OpenSSL's reason when `startTLS` failed.
    private(set) var tlsError: String?

    init(port: UInt16, timeout: Double = 10) throws {
        signal(SIGPIPE, SIG_IGN)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, rc == 0 else {
            if fd >= 0 { Glibc.close(fd) }
            throw POSIXError(.ECONNREFUSED)
        }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        if let ssl { SSL_free(ssl) }
        if let context { SSL_CTX_free(context) }
        Glibc.close(fd)
    }

    /// Sends text, in plain or (after `startTLS`) encrypted; false if the peer is gone.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return true }
            if let ssl { return SSL_write(ssl, base, Int32(raw.count)) == Int32(raw.count) }
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return false }
            }
            return true
        }
    }

    /// The next line without CRLF; nil at end of stream, error or timeout.
    func readLine() -> String? {
        while true {
            if let lf = pending.firstIndex(of: 0x0A) {
                var line = Array(pending[..<lf])
                pending.removeFirst(lf + 1)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard fill() else { return nil }
        }
    }

    /// The lines of one reply (up to the line whose fourth character is a space).
    func readReply() -> [String] {
        var lines: [String] = []
        while let line = readLine() {
            lines.append(line)
            if line.count < 4 || line.dropFirst(3).first == " " { break }
        }
        return lines
    }

    /// The final line of the next reply ("" if none came).
    func reply() -> String { readReply().last ?? "" }

    /// Whether the server closed the connection with nothing more to read.
    func isClosed() -> Bool { pending.isEmpty && !fill() }

    /// The TLS client handshake on the socket, optionally with a client certificate. Plain
    /// bytes already received and not read are an error (the server must send none).
    func startTLS(certificate: String? = nil, key: String? = nil) -> Bool {
        guard pending.isEmpty else {
            tlsError = "unread plain bytes before the handshake"
            return false
        }
        guard let context = SSL_CTX_new(TLS_client_method()) else { return false }
        self.context = context
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        if let certificate, let key {
            SSL_CTX_use_certificate_file(context, certificate, SSL_FILETYPE_PEM)
            SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM)
        }
        ssl = SSL_new(context)
        guard let ssl, SSL_set_fd(ssl, fd) == 1 else { return false }
        if SSL_connect(ssl) == 1 { return true }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = ctest_take_error_text(&buffer, buffer.count)
        tlsError = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return false
    }

    /// Whether the connection runs over TLS.
    var isEncrypted: Bool { ssl != nil }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n: Int = chunk.withUnsafeMutableBytes { raw in
                if let ssl { return Int(SSL_read(ssl, raw.baseAddress, Int32(raw.count))) }
                return Glibc.recv(fd, raw.baseAddress, raw.count, 0)
            }
            if n > 0 {
                pending += chunk[0..<n]
                return true
            }
            if n < 0 && errno == EINTR && ssl == nil { continue }
            return false
        }
    }
}
