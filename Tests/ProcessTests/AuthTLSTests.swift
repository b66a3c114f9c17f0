import Foundation
import Glibc
import Testing

/// AUTH together with STARTTLS on the real lmtpd: without `allowplaintext`, PLAIN and LOGIN
/// appear (and work) only once TLS is up, and the delivery is marked `with LMTPSA`.
@Suite("AUTH after STARTTLS", .serialized)
struct AuthTLSTests {
    @Test("PLAIN only under TLS: swaks --tls --auth PLAIN delivers, LHLO before TLS hides PLAIN")
    func plainUnderTLS() throws {
        let auth = try AuthTestbed("tls", config: ["failedloginpause: 1"])
        let files = try TLSFiles(in: auth.bed.root)
        try AuthTestbed.appendConfig(auth.bed, files.imapdLines(clientCA: false))
        let master = try FakeMaster(auth.bed, listener: .tcp)
        let child = try master.spawn([], service: "lmtp")
        defer { child.kill(SIGTERM); _ = child.wait() }

        let plain = try master.connect()
        _ = plain.reply()
        plain.send("LHLO me\r\n")
        let before = plain.readReply()
        #expect(before.contains("250-STARTTLS"))
        #expect(before.contains { $0.hasPrefix("250-AUTH ") && !$0.contains(" PLAIN") && $0.contains("CRAM-MD5") })
        plain.close()

        let run = try runTool("/usr/bin/swaks", [
            "--protocol", "LMTP", "--server", "127.0.0.1:\(master.port)", "--tls", "--auth", "PLAIN",
            "--auth-user", "alice", "--auth-password", "secret", "--to", "alice@test.example",
            "--from", "sender@example.org", "--helo", "tls.example", "--header", "Subject: plain over tls", "--timeout", "15",
        ], timeout: 20)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("235 Authenticated!"))
        let stored = auth.texts("alice")
        #expect(stored.count == 1)
        #expect(stored.first?.contains(" with LMTPSA") == true)
    }
}
