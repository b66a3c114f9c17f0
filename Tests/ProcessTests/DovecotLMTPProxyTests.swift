import Foundation
import Glibc
import Testing

/// A real client that sends BDAT: Debian's Dovecot 2.3 LMTP server as a proxy (`lmtp_proxy =
/// yes`, a static passdb answering `proxy=y host=127.0.0.1 port=<lmtpd>`) in front of our lmtpd,
/// which minimaster runs on a loopback TCP port with `-a` (a trusted proxy needs no AUTH). The
/// test hands Dovecot a message with DATA; Dovecot's lib-smtp client sees CHUNKING in lmtpd's
/// LHLO and forwards it with BDAT in 128 KiB chunks cut anywhere, even mid-line. What crossed
/// the wire is read from Dovecot's `lmtp_proxy_rawlog_dir` (what it sent) and from lmtpd's debug
/// log (`-D --log-to-stderr`: each command as `line=...`, what lmtpd read). Needs dovecot-core
/// and the unpacked dovecot-lmtpd (scripts/setup-deps). Serialized: each test runs its own pair.
@Suite("interop: Dovecot's LMTP proxy forwards into lmtpd with BDAT", .serialized)
struct DovecotLMTPProxyTests {
    /// Dovecot's lib-smtp chunk size (`SMTP_DEFAULT_MAX_DATA_CHUNK_SIZE`, NET_BLOCK_SIZE).
    static let chunkSize = 131_072

    /// About 300 KB of 8-bit text: lines of varied length (so 131072-byte chunks end mid-line),
    /// lines starting with a dot (dot-stuffed towards Dovecot, raw inside BDAT) and UTF-8.
    static let largeMessage: LMTPMessage = {
        var lines = [
            "From: sender@example.org", "To: alice@test.example", "Subject: large, over BDAT",
            "Message-ID: <large-bdat@example.org>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "",
        ]
        var size = lines.reduce(0) { $0 + $1.utf8.count + 1 }
        var n = 0
        while size < 300_000 {
            let line = switch n % 7 {
            case 0: ".a dotted line \(n)"
            case 3: "Grüße aus Köln \(n), ça va? Ωμέγα"
            case 5: "..two dots \(n) " + String(repeating: "-", count: n % 97)
            default: "line \(n) " + String(repeating: "abcdefghij", count: n % 13 + 1)
            }
            lines.append(line)
            size += line.utf8.count + 1
            n += 1
        }
        return LMTPMessage(to: ["alice@test.example"], lines.joined(separator: "\n") + "\nthe end\n", eightBit: true)
    }()

    @Test("a 300 KB message crosses as BDAT 131072 chunks and one BDAT n LAST, no DATA; stored byte for byte")
    func largeMessageInChunks() throws {
        let (h, dovecot) = try Self.start("dovecot-proxy-large")
        defer { h.stop() }
        defer { dovecot.stop() }
        let message = Self.largeMessage
        let wire = crlfLines(message.body)
        #expect(wire.count >= 2 * Self.chunkSize + 1, "the message must need three chunks")

        let replies = try dovecot.send([message])
        #expect(replies.last(where: { !$0.hasPrefix("221") })?.hasPrefix("250") == true, "\(replies)")

        // What Dovecot sent to lmtpd, from its rawlog.
        let traffic = dovecot.waitForBackendTraffic()
        #expect(traffic.count == 1, "one backend connection")
        let sent = try #require(traffic.first, "no rawlog in \(dovecot.rawlogDirectory.path): \(dovecot.log)")
        #expect(!sent.commands.contains { $0.uppercased() == "DATA" }, "\(sent.commands.filter { $0.count < 80 })")
        #expect(sent.dataContent?.count == nil, "DATA content sent")
        #expect(sent.commands.contains { $0.hasPrefix("MAIL FROM:<sender@example.org>") && $0.contains("BODY=8BITMIME") })
        let sizes = sent.chunks.map(\.size)
        #expect(sizes.count == 3, "chunk sizes \(sizes)")
        #expect(sizes.dropLast().allSatisfy { $0 == Self.chunkSize }, "chunk sizes \(sizes)")
        #expect(sent.chunks.dropLast().allSatisfy { !$0.last })
        #expect(sent.chunks.last?.last == true, "the final chunk is BDAT n LAST")
        #expect(sent.chunks.allSatisfy { $0.bytes.count == $0.size }, "each chunk exactly its announced size")
        #expect(sizes.reduce(0, +) == wire.count)
        let chunked = byteDifference(sent.chunkedMessage, wire)
        #expect(chunked == nil, "the chunks joined must be the message, unstuffed, CRLF: \(chunked ?? "")")
        // The cuts fall inside lines: the receiver must join a line split between two chunks.
        #expect(sent.chunks.dropLast().allSatisfy { $0.bytes.last != 0x0A }, "boundaries at line ends: no split lines tested")
        #expect(!sent.replies.contains { $0.hasPrefix("4") || $0.hasPrefix("5") }, "lmtpd refused: \(sent.replies)")

        // What lmtpd read.
        let lastSize = sizes.last ?? -1
        #expect(h.waitForLog("line=BDAT \(lastSize) LAST", timeout: 10), "\(h.log())")
        #expect(h.logLines(containing: "line=BDAT \(Self.chunkSize) ").count == 2)
        #expect(h.logLines(containing: "line=BDAT").count == 3)
        #expect(h.logLines(containing: "line=DATA").isEmpty)

        // Stored in the Maildir exactly as sent (LF line ends, lmtpd's trace headers on top).
        #expect(h.waitForLog("status=delivered", timeout: 10))
        let stored = h.bed.messages("alice")
        #expect(stored.count == 1)
        let body = try #require(stored.first)
        let storedDifference = byteDifference(Array(withoutTraceHeaders(body).utf8), lfLineEnds(wire))
        #expect(storedDifference == nil, "stored message differs from the one sent: \(storedDifference ?? "")")
        #expect(dovecot.problems.isEmpty, "Dovecot logged: \(dovecot.problems)")
    }

    @Test("a small message for two recipients crosses as one BDAT n LAST; per-recipient replies; both stored")
    func smallMessageOneChunk() throws {
        let (h, dovecot) = try Self.start("dovecot-proxy-small")
        defer { h.stop() }
        defer { dovecot.stop() }
        let message = LMTPMessage(to: ["alice@test.example", "bob@test.example"], """
            Subject: small, over BDAT
            Message-ID: <small-bdat@example.org>

            hello
            .a line with a dot

            """)
        let wire = crlfLines(message.body)

        let replies = try dovecot.send([message])
        #expect(replies.filter { $0.hasPrefix("250") }.count == 1 + 1 + 2 + 2,
                "LHLO, MAIL, two RCPT, one reply per recipient after the message: \(replies)")

        let traffic = dovecot.waitForBackendTraffic()
        #expect(traffic.count == 1, "one backend connection for both recipients")
        let sent = try #require(traffic.first, "no rawlog in \(dovecot.rawlogDirectory.path): \(dovecot.log)")
        #expect(sent.commands.filter { $0.hasPrefix("RCPT TO:") }.count == 2)
        #expect(!sent.commands.contains { $0.uppercased() == "DATA" }, "\(sent.commands)")
        #expect(sent.chunks.count == 1)
        #expect(sent.chunks.first?.last == true)
        #expect(sent.chunks.first?.size == wire.count)
        #expect(byteDifference(sent.chunkedMessage, wire) == nil)
        #expect(sent.commands.contains("BDAT \(wire.count) LAST"))

        #expect(h.waitForLog("line=BDAT \(wire.count) LAST", timeout: 10), "\(h.log())")
        #expect(h.logLines(containing: "line=BDAT").count == 1)
        #expect(h.logLines(containing: "line=DATA").isEmpty)
        #expect(h.waitForLog("status=delivered", count: 2, timeout: 10), "\(h.log())")
        for user in ["alice", "bob"] {
            let stored = h.bed.messages(user)
            #expect(stored.count == 1, "\(user)")
            #expect(stored.first.map { Array(withoutTraceHeaders($0).utf8) } == lfLineEnds(wire), "\(user)'s copy")
        }
        #expect(dovecot.problems.isEmpty, "Dovecot logged: \(dovecot.problems)")
    }

    // MARK: helpers

    /// minimaster with lmtpd on a loopback TCP port (`-a`: no AUTH from the trusted proxy; `-D
    /// --log-to-stderr`: commands in minimaster's log), and Dovecot's LMTP proxy pointed at it.
    static func start(_ label: String) throws -> (MasterHarness, DovecotLMTPProxy) {
        try DovecotLMTPProxy.checkInstalled()
        let port = masterFreePort()
        let h = try MasterHarness(label)
        try h.writeConf(services: """
              lmtp cmd="\(h.lmtpd("-a -D --log-to-stderr"))" listen="127.0.0.1:\(port)" prefork=1
            """)
        try h.start()
        do {
            // Made after minimaster's start, so it stays root's (Dovecot's master runs as root).
            let dovecot = try DovecotLMTPProxy(directory: h.bed.root.appendingPathComponent("dovecot"),
                                               backendPort: UInt16(port))
            return (h, dovecot)
        } catch {
            h.stop()
            throw error
        }
    }
}

/// Where two byte strings first differ, with a little context (nil when equal): readable where
/// a failed `==` on 300 KB arrays would print every byte.
private func byteDifference(_ actual: [UInt8], _ expected: [UInt8]) -> String? {
    guard actual != expected else { return nil }
    let common = min(actual.count, expected.count)
    let at = (0..<common).first { actual[$0] != expected[$0] } ?? common
    func around(_ bytes: [UInt8]) -> String {
        String(decoding: bytes[max(0, at - 40)..<min(bytes.count, at + 40)], as: UTF8.self).debugDescription
    }
    return "\(actual.count) bytes, expected \(expected.count); first difference at \(at): \(around(actual)) vs \(around(expected))"
}
