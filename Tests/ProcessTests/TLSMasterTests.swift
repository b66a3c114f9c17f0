import Foundation
import Glibc
import Testing

/// STARTTLS through both masters: our minimaster and Debian's Cyrus master run lmtpd as a TCP
/// service without `-a`; `openssl s_client -starttls lmtp` with a CA-signed client certificate
/// delivers, and a client without one is still asked to authenticate.
@Suite("STARTTLS under minimaster and Debian's Cyrus master", .serialized)
struct TLSMasterTests {
    @Test("minimaster: s_client delivers over STARTTLS, swaks too")
    func underMinimaster() throws {
        let port = Int(nonEphemeralFreeTCPPort())
        let h = try MasterHarness("tls")
        let files = try TLSFiles(in: h.bed.root)
        try appendConfig(h.bed, files.imapdLines())
        try h.writeConf(services: "  lmtp cmd=\"\(h.lmtpd())\" listen=\"127.0.0.1:\(port)\" prefork=1")
        try h.start()
        defer { h.stop() }
        let output = try TLSClientTools.sClient(port: UInt16(port), lines: TLSClientTools.delivery(to: "alice", subject: "via minimaster"),
                                                certificate: files.clientCert, key: files.clientKey)
        #expect(output.contains("250 2.1.5 Success SESSIONID="), "\(output)")
        let swaks = try TLSClientTools.swaks(port: UInt16(port), to: "bob@test.example", subject: "swaks via minimaster",
                                             certificate: files.clientCert, key: files.clientKey)
        #expect(swaks.status == 0, "\(swaks.transcript)")
        let alice = h.bed.messages("alice").map { String(decoding: $0, as: UTF8.self) }
        #expect(alice.count == 1 && alice[0].contains(" with LMTPSA\n"))
        #expect(h.bed.messages("bob").count == 1)
    }

    @Test("Debian's Cyrus master: s_client delivers over STARTTLS; without a certificate MAIL needs authentication")
    func underCyrusMaster() throws {
        try #require(access(CyrusInstance.program, X_OK) == 0, "Cyrus master missing: run scripts/setup-deps (package cyrus-imapd)")
        let bed = try MailTestbed("tls-cyrus")
        let files = try TLSFiles(in: bed.root)
        try appendConfig(bed, files.imapdLines())
        let cyrus = try CyrusInstance(bed: bed, unixSocket: false, tcpArguments: "")
        defer { cyrus.stop() }
        let output = try TLSClientTools.sClient(port: cyrus.tcpPort, lines: TLSClientTools.delivery(to: "alice", subject: "via cyrus master"),
                                                certificate: files.clientCert, key: files.clientKey)
        #expect(output.contains("250 2.1.5 Success SESSIONID="), "\(output)")
        let anonymous = try TLSClientTools.sClient(port: cyrus.tcpPort, lines: ["LHLO x", "MAIL FROM:<a@example.org>", "QUIT"])
        #expect(anonymous.contains("430 Authentication required"), "\(anonymous)")
        let alice = bed.messages("alice").map { String(decoding: $0, as: UTF8.self) }
        #expect(alice.count == 1 && alice[0].contains(" with LMTPSA\n") && alice[0].contains("Subject: via cyrus master\n"))
    }
}
