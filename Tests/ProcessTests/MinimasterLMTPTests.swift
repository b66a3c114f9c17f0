import Foundation
import Glibc
import Testing

/// Our lmtpd as minimaster's service: the acceptance runs of issue 5 with real deliveries.
@Suite("minimaster: lmtpd as the service")
struct MinimasterLMTPTests {
    static func delivery(_ n: Int, to user: String = "alice") -> [MasterLoad.Step] {
        [.init(send: "LHLO load", expect: "250"),
         .init(send: "MAIL FROM:<load@example.org>", expect: "250"),
         .init(send: "RCPT TO:<\(user)>", expect: "250"),
         .init(send: "DATA", expect: "354"),
         .init(send: "Subject: load \(n)\r\n\r\nmessage \(n)\r\n.", expect: "250"),
         .init(send: "QUIT", expect: "221")]
    }

    @Test("maxchild=2 under 20 concurrent deliveries (unix and TCP): never more than 2 children, every message stored")
    func maxchildWithLMTPD() throws {
        let port = masterFreePort()
        let h = try MasterHarness("lmtpload")
        try h.writeConf(services: """
              lmtpunix cmd="\(h.lmtpd())" listen="\(h.socket("lmtp"))" prefork=1 maxchild=2
              lmtp     cmd="\(h.lmtpd("-a"))" listen="127.0.0.1:\(port)" prefork=0 maxchild=2
            """)
        try h.start()
        defer { h.stop() }
        let monitor = MasterChildMonitor(master: h.pid)
        let viaUnix = MasterLoad.run(.unix(h.socket("lmtp")), clients: 20, steps: Self.delivery(1, to: "alice"))
        let viaTCP = MasterLoad.run(.inet("127.0.0.1", port), clients: 20, steps: Self.delivery(2, to: "bob"))
        let most = monitor.stop()
        #expect(viaUnix.failures.isEmpty && viaTCP.failures.isEmpty, "\(viaUnix.failures) \(viaTCP.failures)")
        #expect(viaUnix.served == 20 && viaTCP.served == 20)
        // Two listeners with maxchild=2 each: at most 4 children at any moment.
        #expect(most <= 4, "saw \(most) children")
        #expect(h.bed.messages("alice").count == 20)
        #expect(h.bed.messages("bob").count == 20)
        #expect(viaUnix.greetings.allSatisfy { $0.hasPrefix("220 test.example") })
    }

    @Test("lmtpd -U 1: every session gets a fresh child, minimaster keeps up")
    func recycleLMTPD() throws {
        let h = try MasterHarness("lmtpuses")
        try h.writeConf(services: "  lmtpunix cmd=\"\(h.lmtpd("-U 1"))\" listen=\"\(h.socket("lmtp"))\" prefork=1 maxchild=3")
        try h.start()
        defer { h.stop() }
        for n in 0..<5 {
            let result = MasterLoad.run(.unix(h.socket("lmtp")), clients: 1, steps: Self.delivery(n))
            #expect(result.served == 1, "\(result.failures)")
        }
        #expect(h.bed.messages("alice").count == 5)
        #expect(h.waitForLog("service lmtpunix/unix pid", count: 5 + 5))   // starts and exits
        #expect(h.logLines(containing: "exited normally").count >= 4)
    }
}
