import COpenSSL
import Foundation
import Glibc

/// A TLS client for tests on a blocking descriptor (one end of a socketpair), run on its own
/// thread while the test drives the server side.
final class TestTLSClient: @unchecked Sendable {
    let fd: Int32
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private(set) var error: String?

    /// `certificate`/`key`: a client certificate to present. `maxVersion`: e.g. TLS1_2_VERSION.
    init(fd: Int32, certificate: String? = nil, key: String? = nil, maxVersion: Int32? = nil) {
        self.fd = fd
        context = SSL_CTX_new(TLS_client_method())
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        if let certificate, let key {
            SSL_CTX_use_certificate_file(context, certificate, SSL_FILETYPE_PEM)
            SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM)
        }
        if let maxVersion { _ = ctest_ctx_set_max_proto_version(context, maxVersion) }
        ssl = SSL_new(context)
        SSL_set_fd(ssl, fd)
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// The client handshake (blocking); false on failure (see `error`).
    func connect() -> Bool {
        if SSL_connect(ssl) == 1 { return true }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = ctest_take_error_text(&buffer, buffer.count)
        error = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return false
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
    }

    /// Reads until `count` bytes came or the peer closed.
    func receive(_ count: Int) -> String {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while result.count < count {
            let n = chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if n <= 0 { break }
            result += chunk[0..<Int(n)]
        }
        return String(decoding: result, as: UTF8.self)
    }

    func close() {
        _ = SSL_shutdown(ssl)
        Glibc.close(fd)
    }
}

/// A connected pair of stream sockets: (server end, client end).
func socketPair() -> (Int32, Int32) {
    var fds: [Int32] = [-1, -1]
    _ = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds)
    return (fds[0], fds[1])
}

/// Runs `body` on a new thread; `wait()` joins it.
final class Background: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Void) {
        let semaphore = done
        Thread.detachNewThread {
            body()
            semaphore.signal()
        }
    }

    @discardableResult
    func wait(timeout: Double = 20) -> Bool { done.wait(timeout: .now() + timeout) == .success }
}
