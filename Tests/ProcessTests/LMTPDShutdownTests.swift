import Foundation
import Glibc
import ServiceContract
import Testing

/// Signals as a master sends them: SIGTERM (shutdown: exit 75, never a lost or half-delivered
/// message) and SIGHUP (reload: exit 0 when idle, after the session otherwise).
@Suite("lmtpd child under SIGTERM and SIGHUP")
struct LMTPDShutdownTests {
    static let shutdownReply = "421 4.3.2 bye server shutting down"

    @Test("SIGTERM to an idle child: exit 75 at once, fresh or after a session", arguments: [false, true])
    func termWhileIdle(_ afterASession: Bool) throws {
        let bed = try MailTestbed("term-idle")
        let master = try FakeMaster(bed)
        let child = try master.spawn()
        if afterASession {
            let client = try master.connect()
            client.send("QUIT\r\n")
            #expect(client.reply().hasPrefix("220 "))
            #expect(client.reply() == "221 2.0.0 bye")
            #expect(master.messages(3).count == 3)
        }
        child.kill(SIGTERM)
        #expect(child.exitStatus(within: 2) == 75)
        #expect(master.nextMessage(timeout: 0.1) == nil)
    }

    @Test("SIGTERM during DATA: the message is read to its end, delivered and answered 250, then 421, exit 75")
    func termDuringData() throws {
        let bed = try MailTestbed("term-data")
        let master = try FakeMaster(bed)
        let child = try master.spawn()
        let client = try master.connect()
        #expect(client.reply().hasPrefix("220 "))
        client.send("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice>\r\nRCPT TO:<bob>\r\nDATA\r\n")
        _ = client.readReply()
        #expect([client.reply(), client.reply(), client.reply()] == ["250 2.1.0 ok", "250 2.1.5 ok", "250 2.1.5 ok"])
        #expect(client.reply() == "354 go ahead")
        client.send("Subject: drain\r\n\r\nfirst half\r\n")
        usleep(100_000)
        child.kill(SIGTERM)
        usleep(200_000)
        #expect(child.isRunning, "a child inside DATA keeps reading")
        client.send("second half\r\n.\r\n")
        #expect(client.reply().hasPrefix("250 2.1.5 Success"))
        #expect(client.reply().hasPrefix("250 2.1.5 Success"))
        #expect(client.reply() == Self.shutdownReply)
        #expect(client.isClosed())
        #expect(child.wait() == 75)
        for user in ["alice", "bob"] {
            #expect(bed.messages(user).map(withoutTraceHeaders) == ["Subject: drain\n\nfirst half\nsecond half\n"])
            #expect(bed.files(user, in: "tmp").isEmpty)
        }
        #expect(master.messages(3, timeout: 0.2).map(\.knownCode) == [.unavailable, .connection])
    }

    @Test("SIGTERM while the session waits for a command: 421 at once, exit 75")
    func termBetweenCommands() throws {
        let bed = try MailTestbed("term-idle-session")
        let master = try FakeMaster(bed)
        let child = try master.spawn()
        let client = try master.connect()
        client.send("LHLO c\r\nMAIL FROM:<a@b.example>\r\n")
        #expect(client.reply().hasPrefix("220 "))
        #expect(client.readReply().last?.hasPrefix("250 Ok SESSIONID=") == true)
        #expect(client.reply() == "250 2.1.0 ok")
        child.kill(SIGTERM)
        #expect(client.reply(timeout: 3) == Self.shutdownReply)
        #expect(client.isClosed())
        #expect(child.wait() == 75)
    }

    @Test("SIGHUP to an idle child: exit 0")
    func hupWhileIdle() throws {
        let bed = try MailTestbed("hup-idle")
        let master = try FakeMaster(bed)
        let child = try master.spawn()
        #expect(child.waitUntilCatching(SIGHUP))
        child.kill(SIGHUP)
        #expect(child.exitStatus(within: 2) == 0)
    }

    @Test("SIGHUP during a session: it runs to its natural end (QUIT 221), then exit 0 without AVAILABLE")
    func hupDuringSession() throws {
        let bed = try MailTestbed("hup-session")
        let master = try FakeMaster(bed)
        let child = try master.spawn()
        let client = try master.connect()
        #expect(client.reply().hasPrefix("220 "))
        #expect(master.messages(2).map(\.knownCode) == [.unavailable, .connection])
        child.kill(SIGHUP)
        usleep(200_000)
        deliver(client, to: "alice", subject: "after the reload signal")
        client.send("QUIT\r\n")
        #expect(client.reply() == "221 2.0.0 bye")
        #expect(client.isClosed())
        #expect(child.wait() == 0)
        #expect(bed.messages("alice").count == 1)
        #expect(master.nextMessage(timeout: 0.1) == nil)
    }

    @Test("without a master (stdin/stdout), SIGTERM between commands also ends with 421 and exit 75")
    func termStandalone() throws {
        let bed = try MailTestbed("term-stdin")
        let child = try bed.startLMTPD()
        child.send("LHLO c\r\n")
        #expect(child.read(until: "SESSIONID=", timeout: 5).hasPrefix("220 "))
        _ = child.read(until: "\r\n", timeout: 5)
        #expect(child.waitUntilCatching(SIGTERM))
        child.kill(SIGTERM)
        #expect(replyLines(child.readAll(timeout: 5)) == [Self.shutdownReply])
        #expect(child.wait(timeout: 5) == 75)
    }
}
