import Foundation
import Glibc
import Testing

/// Debian's real Cyrus master(8) runs our lmtpd as its lmtp service: the same binary speaks the
/// master/service contract of Cyrus 3.6, and mail delivered through Cyrus's sockets lands in
/// our Maildir. Needs the cyrus-imapd package (installed by scripts/setup-deps).
@Suite("interop: Debian's Cyrus master runs our lmtpd", .serialized)
struct CyrusMasterInteropTests {
    static let cyrusMaster = "/usr/lib/cyrus/bin/master"

    @Test("deliveries over Cyrus master's unix and TCP sockets land in our Maildir")
    func deliverThroughCyrusMaster() throws {
        try #require(access(Self.cyrusMaster, X_OK) == 0, "Cyrus master missing: run scripts/setup-deps (package cyrus-imapd)")
        let bed = try MailTestbed("cyrusmaster")
        let cyrus = try CyrusInstance(bed: bed, tcpArguments: "-a")
        defer { cyrus.stop() }

        // Unix socket: trusted, as in Cyrus.
        let unixReply = try LMTPClient.deliver(to: .unix(try #require(cyrus.socketPath)), recipients: ["alice"], subject: "via cyrus unix")
        #expect(unixReply.greeting.hasPrefix("220 test.example CyrusDelivery LMTP"))
        #expect(unixReply.dataReplies.count == 1 && unixReply.dataReplies[0].hasPrefix("250 2.1.5 Success"))
        // TCP with -a.
        let tcpReply = try LMTPClient.deliver(to: .tcp(port: cyrus.tcpPort), recipients: ["alice", "bob"], subject: "via cyrus tcp")
        #expect(tcpReply.dataReplies.count == 2 && tcpReply.dataReplies.allSatisfy { $0.hasPrefix("250 2.1.5 Success") })

        let alice = bed.messages("alice").map { withoutTraceHeaders($0) }
        #expect(alice.contains { $0.hasPrefix("Subject: via cyrus unix\n") })
        #expect(alice.contains { $0.hasPrefix("Subject: via cyrus tcp\n") })
        #expect(bed.messages("bob").count == 1)
        // The unix client was trusted through Cyrus's socket: Received says so.
        #expect(bed.messages("alice").contains { String(decoding: $0, as: UTF8.self).contains("([unix socket])") })
        // Our child took the accept lock at Cyrus's path, under the configdirectory of the
        // imapd.conf its cmd= names (as Cyrus's own lmtpd does).
        #expect(FileManager.default.fileExists(atPath: bed.root.appendingPathComponent("conf/socket/lmtpunix-0.lock").path))
    }
}
