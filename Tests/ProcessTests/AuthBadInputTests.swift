import Foundation
import Glibc
import Testing

/// The real lmtpd and libsasl2 against bad AUTH input over a socket: clear replies or a logged
/// close, never a crash or a hang; the child goes on serving the next connection.
@Suite("AUTH: bad input against the real lmtpd", .serialized)
struct AuthBadInputTests {
    @Test("AUTH before LHLO, bad base64, cancel, overlong answer, garbage for the mechanism, AUTH twice")
    func dialogueErrors() throws {
        let auth = try AuthTestbed("badinput")
        let master = try FakeMaster(auth.bed, listener: .tcp)
        let child = try master.spawn([], service: "lmtp")
        defer { child.kill(SIGTERM); _ = child.wait() }
        let client = try master.connect()
        _ = client.reply()
        client.send("AUTH PLAIN !!!notbase64\r\n")
        #expect(client.reply() == "501 5.5.2 Cannot Base64-decode Client responses")
        client.send("AUTH LOGIN\r\n")
        #expect(client.reply() == "334 VXNlcm5hbWU6")
        client.send("*\r\n")
        #expect(client.reply() == "501 5.5.4 client canceled authentication")
        client.send("AUTH CRAM-MD5\r\n")
        #expect(client.reply().hasPrefix("334 "))
        client.send(String(repeating: "QUFB", count: 5000) + "\r\n")
        #expect(client.reply() == "500 5.5.6 Authentication Exchange line is too long")
        client.send("AUTH NOSUCH\r\nAUTH PLAIN\r\n")
        #expect(client.reply() == "504 Unrecognized authentication type.")
        #expect(client.reply() == "334 ")
        client.send("\(Base64Text.encode([0xFF, 0x00, 0x01]))\r\n")
        #expect(client.reply() == "535 5.7.8 Authentication credentials invalid")
        // AUTH before LHLO works, and only once.
        client.send("AUTH PLAIN \(Base64Text.encode(Array("\0alice\0secret".utf8)))\r\nAUTH PLAIN =\r\nLHLO me\r\n")
        #expect(client.reply() == "235 Authenticated!")
        #expect(client.reply() == "503 5.5.0 already authenticated")
        #expect(!client.readReply().contains { $0.hasPrefix("250-AUTH") })
        client.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice>\r\nAUTH PLAIN =\r\nQUIT\r\n")
        #expect(client.reply() == "250 2.1.0 ok")
        #expect(client.reply() == "250 2.1.5 ok")
        #expect(client.reply() == "503 5.5.0 already authenticated")
        #expect(client.reply() == "221 2.0.0 bye")
        #expect(child.isRunning)
    }

    @Test("three wrong passwords: 535 each, then 421 and the connection is closed; the child serves the next client")
    func tooManyFailures() throws {
        let auth = try AuthTestbed("failures", config: ["allowplaintext: yes", "failedloginpause: 0"])
        let master = try FakeMaster(auth.bed, listener: .tcp)
        let child = try master.spawn([], service: "lmtp")
        defer { child.kill(SIGTERM); _ = child.wait() }
        let client = try master.connect()
        _ = client.reply()
        let wrong = "AUTH PLAIN \(Base64Text.encode(Array("\0alice\0wrong".utf8)))\r\n"
        client.send(wrong + wrong + wrong + "NOOP\r\n")
        for _ in 0..<3 { #expect(client.reply() == "535 5.7.8 Authentication credentials invalid") }
        #expect(client.reply() == "421 4.7.0 bye too many failed authentication attempts")
        #expect(client.isClosed())
        let next = try AuthClients.swaks(.tcp(master.port), auth: ("PLAIN", "alice", "secret"), subject: "after")
        #expect(next.status == 0, "\(next.output)")
        #expect(child.isRunning)
    }

    @Test("a client that leaves in the middle of an exchange: logged, and the child goes on")
    func clientLeavesMidExchange() throws {
        let auth = try AuthTestbed("leave")
        let master = try FakeMaster(auth.bed, listener: .tcp)
        let child = try master.spawn([], service: "lmtp")
        defer { child.kill(SIGTERM); _ = child.wait() }
        let client = try master.connect()
        _ = client.reply()
        client.send("AUTH LOGIN\r\n")
        #expect(client.reply() == "334 VXNlcm5hbWU6")
        client.close()
        let next = try AuthClients.swaks(.tcp(master.port), auth: ("LOGIN", "bob", "hunter2"), to: "bob@test.example", subject: "next")
        #expect(next.status == 0, "\(next.output)")
        #expect(child.isRunning)
        #expect(child.log.contains("client left during AUTH"))
    }

    @Test("the unix socket is trusted: it delivers without AUTH and sees AUTH EXTERNAL")
    func unixSocketTrusted() throws {
        let auth = try AuthTestbed("unix")
        let master = try FakeMaster(auth.bed, listener: .unix)
        let child = try master.spawn()
        defer { child.kill(SIGTERM); _ = child.wait() }
        let client = try master.connect()
        _ = client.reply()
        client.send("LHLO me\r\n")
        #expect(client.readReply().filter { $0.hasPrefix("250-AUTH") } == ["250-AUTH EXTERNAL"])
        client.close()
        let run = try AuthClients.swaks(.unix(master.socketPath), auth: nil, subject: "local")
        #expect(run.status == 0, "\(run.output)")
        #expect(auth.texts("alice").first?.contains("([unix socket])") == true)
        #expect(auth.texts("alice").first?.contains(" with LMTPA id ") == true)
    }
}

/// Base64 for the tests' hand-written AUTH lines.
enum Base64Text {
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
