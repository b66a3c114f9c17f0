import Foundation
@testable import LMTP
@testable import LMTPProxy
import Logging
import Testing

@Suite("lmtpproxyd: the relay to one backend, DATA or BDAT")
struct ProxyAgentTests {
    /// Runs one transaction for two recipients through a ProxyAgent whose only backend is
    /// `backend`, with `message` (as the engine spools it) written in pieces of `piece` bytes.
    func relay(_ backend: FakeBackend, message: [UInt8], piece: Int = 1000) -> [Result<DeliveryReceipt, DeliveryFailure>] {
        let pool = BackendPool(backends: [ProxyBackend(name: "f", address: .unix(backend.path))], timeouts: ProxyTimeouts(connect: 5, reply: 5))
        let agent = ProxyAgent(pool: pool, routes: HashedRoutes(backends: [ProxyBackend(name: "f", address: .unix(backend.path))]),
                               lhloName: "proxy.test", logger: Logger(label: "test"))
        let envelope = Envelope(sender: "s@example.org", authorizedIdentity: nil, sessionID: "t")
        agent.mailAccepted(envelope)
        var accepted: [AcceptedRecipient<String>] = []
        for user in ["alice", "bob"] {
            let recipient = Recipient(address: user, user: user, detail: nil, domain: nil, ignoreQuota: false)
            if case .success(let name) = agent.verify(recipient, sizeHint: nil) { accepted.append(AcceptedRecipient(recipient, resolved: name)) }
        }
        guard accepted.count == 2, let spool = try? agent.openSpool(for: accepted) else { return [] }
        var offset = 0
        while offset < message.count {
            let end = min(offset + piece, message.count)
            message[offset..<end].withUnsafeBytes { try? spool.write($0) }
            offset = end
        }
        let results = agent.deliver(spool, envelope: envelope, to: accepted)
        pool.closeAll()
        return results
    }

    @Test("a backend without CHUNKING gets DATA, the body dot-stuffed with CRLF, and the dot line")
    func dataFraming() throws {
        let backend = try FakeBackend(capabilities: ["PIPELINING", "8BITMIME"])
        let results = relay(backend, message: Array("Subject: x\n\n.dot\nend\n".utf8))
        backend.stop()
        #expect(results == [.success(.delivered(["f"])), .success(.delivered(["f"]))])
        #expect(backend.traffic.contains("DATA\r\nSubject: x\r\n\r\n..dot\r\nend\r\n.\r\n"), "\(backend.traffic)")
        #expect(!backend.traffic.contains("BDAT"))
    }

    @Test("a backend with CHUNKING gets BDAT: 64 KiB chunks, then LAST; dots untouched")
    func chunkFraming() throws {
        let backend = try FakeBackend(capabilities: ["PIPELINING", "CHUNKING"])
        var message = Array("Subject: big\n\n".utf8)
        let line = Array(".line of seventy-six characters, leading dot included.......................\n".utf8)
        while message.count < 150_000 { message += line }
        let results = relay(backend, message: message, piece: 4096)
        backend.stop()
        #expect(results == [.success(.delivered(["f"])), .success(.delivered(["f"]))])
        let traffic = backend.traffic
        #expect(!traffic.contains("\r\nDATA\r\n"))
        let chunks = Self.chunks(in: Array(traffic.utf8))
        #expect(chunks.count == 3, "\(chunks.map(\.command))")
        #expect(chunks.last?.command.hasSuffix(" LAST") == true)
        #expect(chunks.dropLast().allSatisfy { $0.bytes.count >= 64 * 1024 }, "64 KiB at least before the last")
        let expected = message.flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }
        #expect(chunks.flatMap(\.bytes) == expected, "every byte once, CRLF line ends, no dot-stuffing")
    }

    /// The BDAT commands in a client's byte stream, each with the chunk that follows it.
    static func chunks(in stream: [UInt8]) -> [(command: String, bytes: [UInt8])] {
        var found: [(command: String, bytes: [UInt8])] = []
        var index = 0
        let marker = Array("BDAT ".utf8)
        while index + marker.count <= stream.count {
            guard Array(stream[index..<(index + marker.count)]) == marker,
                  let end = stream[index...].firstIndex(of: 0x0A) else {
                // Skip to the next line.
                guard let next = stream[index...].firstIndex(of: 0x0A) else { break }
                index = next + 1
                continue
            }
            let command = String(decoding: stream[index..<end], as: UTF8.self).trimmingCharacters(in: .init(charactersIn: "\r"))
            let size = Int(command.split(separator: " ")[1]) ?? 0
            let start = end + 1
            found.append((command, Array(stream[start..<min(start + size, stream.count)])))
            index = start + size
        }
        return found
    }
}
