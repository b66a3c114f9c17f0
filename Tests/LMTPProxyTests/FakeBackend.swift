import Glibc
import Synchronization

/// A scripted LMTP backend on a unix socket for the proxy's unit tests: greets, answers LHLO
/// with the given capabilities, MAIL/RCPT/RSET with 250, DATA with 354 and the message with
/// one 250 per recipient, BDAT with 250 per chunk; records everything it received.
final class FakeBackend: @unchecked Sendable {
    let path: String
    let capabilities: [String]
    private let received = Mutex<[UInt8]>([])
    private var listener: Int32 = -1
    private var thread: pthread_t?

    init(capabilities: [String]) throws {
        path = "/tmp/fake-backend-\(getpid())-\(UInt32.random(in: 0..<UInt32.max)).sock"
        self.capabilities = capabilities
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 4) == 0 else { throw FakeBackendError() }
        let box = Unmanaged.passRetained(self)
        var handle = pthread_t()
        pthread_create(&handle, nil, { argument in
            let backend = Unmanaged<FakeBackend>.fromOpaque(argument!).takeRetainedValue()
            backend.serve()
            return nil
        }, box.toOpaque())
        thread = handle
    }

    struct FakeBackendError: Error {}

    /// Every byte the proxy sent.
    var traffic: String { String(decoding: received.withLock { $0 }, as: UTF8.self) }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        if let thread { pthread_join(thread, nil) }
        unlink(path)
    }

    private func serve() {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { return }
        defer { close(fd) }
        func reply(_ text: String) { _ = text.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }
        reply("220 fake ready\r\n")
        var buffer: [UInt8] = []
        var recipients = 0
        var inData = false
        var chunkLeft = 0
        var lastChunk = false
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            received.withLock { $0 += chunk[0..<n] }
            buffer += chunk[0..<n]
            while true {
                if chunkLeft > 0 {
                    let take = min(chunkLeft, buffer.count)
                    buffer.removeFirst(take)
                    chunkLeft -= take
                    guard chunkLeft == 0 else { break }
                    if lastChunk {
                        for _ in 0..<recipients { reply("250 2.1.5 ok\r\n") }
                        recipients = 0
                    } else {
                        reply("250 2.0.0 chunk\r\n")
                    }
                    continue
                }
                guard let newline = buffer.firstIndex(of: 0x0A) else { break }
                let line = String(decoding: buffer[..<newline], as: UTF8.self).trimmingCharacters(in: ["\r"])
                buffer.removeFirst(newline + 1)
                if inData {
                    if line == "." {
                        inData = false
                        for _ in 0..<recipients { reply("250 2.1.5 ok\r\n") }
                        recipients = 0
                    }
                    continue
                }
                let word = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
                switch word {
                case "LHLO": reply((["250-fake"] + capabilities.map { "250-\($0)" }).joined(separator: "\r\n") + "\r\n250 ok\r\n")
                case "RCPT":
                    recipients += 1
                    reply("250 2.1.5 ok\r\n")
                case "DATA":
                    inData = true
                    reply("354 go\r\n")
                case "BDAT":
                    let parts = line.split(separator: " ")
                    chunkLeft = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
                    lastChunk = parts.count > 2 && parts[2].uppercased() == "LAST"
                    if chunkLeft == 0 && lastChunk {
                        for _ in 0..<recipients { reply("250 2.1.5 ok\r\n") }
                        recipients = 0
                    }
                case "QUIT":
                    reply("221 bye\r\n")
                    return
                default: reply("250 ok\r\n")
                }
            }
        }
    }
}

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        String(self.reversed().drop { set.contains($0) }.reversed())
    }
}
