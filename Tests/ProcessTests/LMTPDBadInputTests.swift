import Foundation
import Glibc
import POSIXCore
import Testing

/// Bad input of every kind gets a clear reply or a logged close, never a crash, a hang or a
/// file outside the mailstore.
@Suite("lmtpd under bad input")
struct LMTPDBadInputTests {
    @Test("sequence and syntax errors get Cyrus's replies and the session goes on")
    func sequenceAndSyntax() throws {
        let bed = try MailTestbed("errors")
        let (output, status) = try bed.session("""
            RCPT TO:<alice>\r
            DATA\r
            EHLO x\r
            LHLO\r
            MAIL FROM:t@example.org\r
            MAIL FROM:<t@example.org> BOGUS=1\r
            MAIL FROM:<t@example.org>\r
            MAIL FROM:<t@example.org>\r
            RCPT TO:alice\r
            VRFY alice\r
            NOOP\r
            RSET\r
            QUIT\r

            """)
        #expect(status == 0)
        let lines = Array(replyLines(output).dropFirst())
        #expect(lines == [
            "503 5.5.1 Need MAIL command",
            "503 5.5.1 No recipients",
            "500 5.5.2 Syntax error",
            "500 5.5.2 Syntax error",
            "501 5.5.4 Syntax error in parameters",
            "501 5.5.4 Unrecognized parameters",
            "250 2.1.0 ok",
            "503 5.5.1 Nested MAIL command",
            "501 5.5.4 Syntax error in parameters",
            "252 2.3.3 try RCPT to attempt delivery",
            "250 2.0.0 ok",
        ] + [lines[11], "221 2.0.0 bye"])
        #expect(lines[11].hasPrefix("250 2.0.0 Ok SESSIONID=<"))
    }

    @Test("addresses that try to leave the mailstore are refused and create nothing", arguments: [
        "../alice", "alice/../../etc", "a/b", ".hidden", "..", "\"../../x\"", "\"a\\/b\"", "al\u{01}ice",
    ])
    func pathTricks(_ address: String) throws {
        let bed = try MailTestbed("paths")
        let before = try listTree(bed.root)
        let (output, _) = try bed.session("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<\(address)>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n")
        let lines = replyLines(output)
        #expect(lines.contains { $0.hasPrefix("501 5.5.4") || $0.hasPrefix("550 5.1.1") }, "\(lines)")
        #expect(lines.contains("503 5.5.1 No recipients"))
        #expect(try listTree(bed.root) == before)
    }

    @Test("an over-long command line, NUL, binary and invalid UTF-8 are answered and survived")
    func garbage() throws {
        let bed = try MailTestbed("garbage")
        var input: [UInt8] = Array("LHLO c\r\n".utf8)
        input += Array("MAIL FROM:<".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 10_000) + Array("@example.org>\r\n".utf8)
        input += Array("NO".utf8) + [0] + Array("OP\r\n".utf8)
        input += [0xff, 0xfe, 0x80, 0x00, 0x01, 0x0d, 0x0a]
        input += Array("MAIL FROM:<\u{e9}t\u{e9}@example.org>\r\n".utf8)
        input += (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37) } + [0x0a]
        input += Array("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice>\r\nDATA\r\nSubject: after garbage\r\n\r\nok\r\n.\r\nQUIT\r\n".utf8)
        let child = try bed.startLMTPD()
        child.send(input)
        child.closeInput()
        let lines = replyLines(child.readAll())
        #expect(child.wait() == 0)
        #expect(lines.contains("500 5.5.2 Line too long"))
        #expect(lines.contains { $0.hasPrefix("250 2.1.5 Success") })
        #expect(lines.last == "221 2.0.0 bye")
        for line in lines {
            let code = line.prefix(4)
            #expect(code.count == 4 && code.prefix(3).allSatisfy(\.isNumber) && (code.last == " " || code.last == "-"), "bad reply line \(line)")
        }
        #expect(bed.messages("alice").count == 1)
    }

    @Test("a client that disconnects in the middle of DATA delivers nothing and leaves nothing")
    func disconnectMidData() throws {
        let bed = try MailTestbed("middata")
        let child = try bed.startLMTPD()
        child.send("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice>\r\nDATA\r\n")
        _ = child.read(until: "354 go ahead\r\n")
        child.send("Subject: cut\r\n\r\n" + String(repeating: "partial body line\r\n", count: 5000))
        child.closeInput()
        _ = child.readAll()
        #expect(child.wait() == 0)
        #expect(bed.files("alice").isEmpty)
        #expect(bed.files("alice", in: "tmp").isEmpty)
    }

    @Test("NUL in a message is refused per recipient, nothing stored")
    func nulInBody() throws {
        let bed = try MailTestbed("nul")
        var input = Array("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice>\r\nRCPT TO:<bob>\r\nDATA\r\nSubject: x\r\n\r\nbad ".utf8)
        input += [0] + Array(" byte\r\n.\r\nQUIT\r\n".utf8)
        let child = try bed.startLMTPD()
        child.send(input)
        child.closeInput()
        let lines = replyLines(child.readAll())
        _ = child.wait()
        #expect(lines.filter { $0 == "554 5.6.0 Message contains NUL characters" }.count == 2)
        #expect(bed.messages("alice").isEmpty && bed.messages("bob").isEmpty)
        #expect(bed.files("alice", in: "tmp").isEmpty)
    }

    @Test("maxmessagesize: advertised; a message under it is stored, one over it refused per recipient")
    func sizeLimit() throws {
        // Exact one-byte edges are unit tests of the engine (fixed session ids); here the
        // session id's length varies with the pid and the random part, so stay clear of it.
        let bed = try MailTestbed("size", extraConfig: ["maxmessagesize: 2000"])
        let (probe, _) = try bed.session("LHLO c\r\nQUIT\r\n")
        #expect(replyLines(probe).contains("250-SIZE 2000"))
        func session(fill: Int) throws -> [String] {
            let body = String(repeating: "y", count: fill)
            return replyLines(try bed.session("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice>\r\nRCPT TO:<bob>\r\nDATA\r\nSubject: s\r\n\r\n\(body)\r\n.\r\nQUIT\r\n").output)
        }
        let fits = try session(fill: 1500)
        #expect(fits.filter { $0.hasPrefix("250 2.1.5 Success") }.count == 2)
        let stored = try #require(bed.messages("alice").first)
        #expect(stored.count > 1500 && stored.count <= 2000)
        let tooBig = try session(fill: 2000)
        let refusals = tooBig.filter { $0.hasPrefix("552 5.2.3 Message size (") && $0.hasSuffix(") exceeds fixed maximum message size (2000)") }
        #expect(refusals.count == 2)
        #expect(bed.messages("alice").count == 1 && bed.messages("bob").count == 1)
        #expect(bed.files("alice", in: "tmp").isEmpty)
    }

    @Test("a silent client is dropped after the idle timeout with 421")
    func idleTimeout() throws {
        let bed = try MailTestbed("idle", extraConfig: ["lmtp_idle_timeout: 1"])
        let child = try bed.startLMTPD()
        child.send("LHLO c\r\nMAIL FROM:<a@b.example>\r\n")
        let started = Date()
        let output = child.readAll(timeout: 20)
        #expect(replyLines(output).last == "421 4.4.1 bye idle for too long")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(child.wait() == 0)
    }

    @Test("a client that sends but never reads its replies is dropped after the idle timeout")
    func clientThatNeverReads() throws {
        let bed = try MailTestbed("noread", extraConfig: ["lmtp_idle_timeout: 2"])
        let child = try bed.startLMTPD()
        // 100,000 NOOPs: their replies overflow the output pipe, which nobody reads.
        let flood = Array(String(repeating: "NOOP\r\n", count: 100_000).utf8)
        let input = child.stdinFD
        let writer = Thread {
            _ = try? writeAll(input, flood)  // EPIPE once lmtpd has gone
        }
        writer.start()
        let started = Date()
        let status = reapChild(child.pid, within: 20)
        #expect(status == 0, "lmtpd still blocked writing after 20 s")
        #expect(Date().timeIntervalSince(started) < 15)
    }

    @Test("a bad imapd.conf is a 421 with the file and line, exit 78")
    func badConfiguration() throws {
        let bed = try MailTestbed("badconf")
        try "configdirectory: /x\nmaxmessagesize: ten\n".write(to: bed.configFile, atomically: true, encoding: .utf8)
        let (output, status) = try bed.session("LHLO c\r\n")
        #expect(status == 78)
        #expect(output.hasPrefix("421 4.3.0 lmtpd: \(bed.configFile.path):2:"))
    }
}

/// Every path under `root`, for before/after comparisons.
func listTree(_ root: URL) throws -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: root.path)
    var paths: [String] = []
    while let next = enumerator?.nextObject() as? String { paths.append(next) }
    return paths.sorted()
}
