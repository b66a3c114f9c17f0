import Foundation
import Glibc
import Testing

/// LMTP AUTH with lmtpd run by a master on a TCP service without `-a`: our minimaster, and
/// Debian's real Cyrus master (which runs its children as the `cyrus` user).
@Suite("AUTH: lmtpd under minimaster and Debian's Cyrus master", .serialized)
struct AuthMasterTests {
    @Test("minimaster: TCP without -a needs AUTH; a slow wrong password does not hold up another client")
    func underMinimaster() throws {
        let port = masterFreePort()
        let h = try MasterHarness("auth")
        try h.writeConf(services: """
              lmtpunix cmd="\(h.lmtpd())" listen="\(h.socket("lmtp"))" prefork=1 maxchild=2
              lmtp     cmd="\(h.lmtpd())" listen="127.0.0.1:\(port)" prefork=2 maxchild=4
            """)
        _ = try AuthTestbed.addSASL(to: h.bed, config: ["allowplaintext: yes", "failedloginpause: 3"])
        try h.start()
        defer { _ = h.stop() }

        let guesser = try LMTPConnection(tcpPort: UInt16(port))
        #expect(guesser.reply().hasPrefix("220 "))
        guesser.send("MAIL FROM:<a@b.example>\r\n")
        #expect(guesser.reply() == "430 Authentication required")
        let started = Date()
        guesser.send("AUTH PLAIN \(Base64Text.encode(Array("\0alice\0guess".utf8)))\r\n")
        // While that client waits for its answer, another one authenticates and delivers.
        let other = try AuthClients.swaks(.tcp(UInt16(port)), auth: ("PLAIN", "bob", "hunter2"), to: "bob@test.example", subject: "meanwhile")
        let otherDone = Date().timeIntervalSince(started)
        #expect(other.status == 0, "\(other.output)")
        #expect(guesser.reply(timeout: 10) == "535 5.7.8 Authentication credentials invalid")
        let guesserDone = Date().timeIntervalSince(started)
        #expect(otherDone < 2.5 && guesserDone >= 2.9, "other \(otherDone) s, guesser \(guesserDone) s")
        #expect(h.bed.messages("bob").count == 1)

        let local = try AuthClients.swaks(.unix(h.socket("lmtp")), auth: nil, subject: "local")
        #expect(local.status == 0, "\(local.output)")
        #expect(h.bed.messages("alice").count == 1)
    }

    @Test("Debian's Cyrus master: TCP without -a needs AUTH (swaks CRAM-MD5 delivers, a wrong password gets 535), the unix socket does not")
    func underCyrusMaster() throws {
        try #require(access(CyrusMasterInteropTests.cyrusMaster, X_OK) == 0, "Cyrus master missing: run scripts/setup-deps")
        let bed = try MailTestbed("auth-cyrus")
        _ = try AuthTestbed.addSASL(to: bed)
        let cyrus = try CyrusInstance(bed: bed, tcpArguments: "")
        defer { cyrus.stop() }

        let refused = try AuthClients.swaks(.tcp(cyrus.tcpPort), auth: nil, subject: "no auth")
        #expect(refused.status != 0 && refused.output.contains("430 Authentication required"), "\(refused.output)")
        let wrong = try AuthClients.swaks(.tcp(cyrus.tcpPort), auth: ("CRAM-MD5", "alice", "guess"), subject: "wrong")
        #expect(wrong.output.contains("535 5.7.8 Authentication credentials invalid"), "\(wrong.output)")
        let cram = try AuthClients.swaks(.tcp(cyrus.tcpPort), auth: ("CRAM-MD5", "alice", "secret"), subject: "cram via cyrus")
        #expect(cram.status == 0, "\(cram.output)")
        let scram = try AuthClients.python(port: cyrus.tcpPort, mechanism: "SCRAM-SHA-256", user: "bob", password: "hunter2", subject: "scram")
        #expect(scram.output.contains("REFUSED {}"), "\(scram.output)")
        let local = try AuthClients.swaks(.unix(try #require(cyrus.socketPath)), auth: nil, subject: "local via cyrus")
        #expect(local.status == 0, "\(local.output)")

        let alice = bed.messages("alice").map { String(decoding: $0, as: UTF8.self) }
        #expect(alice.count == 3)
        #expect(alice.contains { $0.contains("Subject: cram via cyrus") && $0.contains("[127.0.0.1]") && $0.contains("with LMTPA") })
        #expect(alice.contains { $0.contains("Subject: local via cyrus") && $0.contains("([unix socket])") })
    }
}
