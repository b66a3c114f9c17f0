import Testing
@testable import ConfParse

/// What fixtures/README.md says each shipped Cyrus example must yield.
struct ExpectedCyrusConf: Sendable, CustomTestStringConvertible {
    let file: String
    let start: [String]
    /// `line|name|listen|cmd|other keys` per SERVICES entry, in file order.
    let services: [String]
    let events: [String]
    let daemons: [String]

    var testDescription: String { file }

    static let standardEvents = ["checkpoint", "delprune", "deleteprune", "expungeprune", "tlsprune"]

    static let all: [ExpectedCyrusConf] = [
        .init(file: "cyrus/master-README-minimal.conf", start: ["recover"], services: [
            "11|imap|imap|imapd|prefork=1", "12|pop3|pop3|pop3d|prefork=0", "14|sieve|sieve|timsieved|prefork=0",
            "17|lmtp|lmtp|lmtpd|prefork=0",
        ], events: ["checkpoint", "delprune", "tlsprune"], daemons: ["idled"]),
        .init(file: "cyrus/cyrus_conf/cmu-backend.conf", start: ["auth", "recover", "mupdatepush"], services: [
            "14|imap|imap|imapd|prefork=5", "15|imaps|imaps|imapd -s|prefork=1", "16|pop3|pop3|pop3d|prefork=0",
            "17|pop3s|pop3s|pop3d -s|prefork=0", "18|kpop|kpop|pop3d -k|prefork=0", "19|sieve|sieve|timsieved|prefork=0",
            "22|fud|fud|fud|prefork=1 proto=udp", "23|notifyd|/imap/conf/socket/notifyd|notifyd|proto=udp prefork=1",
            "26|lmtp|lmtp|lmtpd|prefork=2", "27|lmtpunix|/imap/conf/socket/lmtp|lmtpd|prefork=0",
            "30|ptloader|/imap/conf/ptclient/ptsock|ptloader|prefork=1",
        ], events: ["checkpoint", "delprune", "deleteprune", "expungeprune", "tlsprune", "reauth"], daemons: []),
        .init(file: "cyrus/cyrus_conf/cmu-frontend.conf", start: ["auth", "mboxlist"], services: [
            "10|mupdate|2004|/usr/cyrus/bin/mupdate|prefork=1", "13|imap|imap|proxyd|prefork=5",
            "14|imaps|imaps|proxyd -s|prefork=1", "15|pop3|pop3|pop3d|prefork=0", "16|pop3s|pop3s|pop3d -s|prefork=0",
            "17|kpop|kpop|pop3d -k|prefork=0", "18|sieve|sieve|timsieved|prefork=0", "21|fud|fud|fud|prefork=1 proto=udp",
            "24|lmtpunix|/imap/conf/socket/lmtpproxy|lmtpproxyd|prefork=1",
            "27|ptloader|/imap/conf/ptclient/ptsock|ptloader|prefork=1",
        ], events: ["checkpoint", "reauth"], daemons: []),
        .init(file: "cyrus/cyrus_conf/murder-backend.conf", start: ["recover", "mupdatepush"], services: [
            "16|imap|imap|imapd|prefork=0", "17|imaps|imaps|imapd -s|prefork=0", "18|pop3|pop3|pop3d|prefork=0",
            "19|pop3s|pop3s|pop3d -s|prefork=0", "20|sieve|sieve|timsieved|prefork=0", "27|http|http|httpd|prefork=0",
            "28|https|https|httpd -s|prefork=0", "32|lmtpunix|/run/cyrus/socket/lmtp|lmtpd|prefork=0",
        ], events: standardEvents, daemons: []),
        .init(file: "cyrus/cyrus_conf/murder-frontend.conf", start: ["recover"], services: [
            "12|imap|imap|proxyd|prefork=0", "13|imaps|imaps|proxyd -s|prefork=0",
            "14|pop3|pop3|pop3proxyd|prefork=0 maxchild=50", "15|pop3s|pop3s|pop3proxyd -s|prefork=0 maxchild=50",
            "18|sieve|sieve|timsieved|prefork=0", "25|http|http|httpd|prefork=0", "26|https|https|httpd -s|prefork=0",
            "29|lmtp|lmtp|lmtpproxyd -a|prefork=1 maxchild=20", "32|mupdate|mupdate|mupdate|prefork=1",
        ], events: standardEvents, daemons: []),
        .init(file: "cyrus/cyrus_conf/murder-mupdate.conf", start: ["recover"], services: [
            "8|mupdate|mupdate|mupdate -m|prefork=1",
        ], events: ["checkpoint"], daemons: []),
        .init(file: "cyrus/cyrus_conf/normal-master.conf", start: ["recover", "repl1sync", "repl2sync", "offsitesync"],
              services: normalServices(first: 16, http: 27, lmtp: 32), events: standardEvents, daemons: []),
        .init(file: "cyrus/cyrus_conf/normal-replica.conf", start: ["recover"],
              services: normalServices(first: 11, http: 22, lmtp: 27), events: standardEvents, daemons: []),
        .init(file: "cyrus/cyrus_conf/normal.conf", start: ["recover"],
              services: normalServices(first: 11, http: 22, lmtp: 27), events: standardEvents, daemons: []),
        .init(file: "cyrus/cyrus_conf/prefork.conf", start: ["recover"], services: [
            "11|imap|imap|imapd|prefork=5", "12|imaps|imaps|imapd -s|prefork=1", "13|pop3|pop3|pop3d|prefork=3",
            "14|pop3s|pop3s|pop3d -s|prefork=1", "15|sieve|sieve|timsieved|prefork=0",
            "27|lmtpunix|/run/cyrus/socket/lmtp|lmtpd|prefork=1",
        ], events: standardEvents, daemons: []),
        .init(file: "cyrus/cyrus_conf/small.conf", start: ["recover"], services: [
            "11|imap|imap|imapd|prefork=0", "12|pop3|pop3|pop3d|prefork=0",
            "15|lmtpunix|/run/cyrus/socket/lmtp|lmtpd|prefork=0",
        ], events: standardEvents, daemons: []),
    ]

    /// The eight services shared by the `normal*` examples.
    static func normalServices(first: Int, http: Int, lmtp: Int) -> [String] {
        ["\(first)|imap|imap|imapd|prefork=0", "\(first + 1)|imaps|imaps|imapd -s|prefork=0",
         "\(first + 2)|pop3|pop3|pop3d|prefork=0", "\(first + 3)|pop3s|pop3s|pop3d -s|prefork=0",
         "\(first + 4)|sieve|sieve|timsieved|prefork=0", "\(http)|http|http|httpd|prefork=0",
         "\(http + 1)|https|https|httpd -s|prefork=0", "\(lmtp)|lmtpunix|/run/cyrus/socket/lmtp|lmtpd|prefork=0"]
    }
}

@Suite("cyrus.conf: shipped Cyrus examples")
struct CyrusConfFixtureTests {
    @Test("parses exactly as fixtures/README.md says", arguments: ExpectedCyrusConf.all)
    func fixture(_ expected: ExpectedCyrusConf) throws {
        let conf = try CyrusConf.load(path: Fixtures.path(expected.file))
        let services = conf.services.map { s -> String in
            let other = s.arguments.filter { $0.key != "cmd" && $0.key != "listen" }.map { "\($0.key)=\($0.value)" }
            return "\(s.line)|\(s.name)|\(s.listen)|\(s.cmd)|\(other.joined(separator: " "))"
        }
        #expect(services == expected.services)
        #expect(conf.start.map(\.name) == expected.start)
        #expect(conf.events.map(\.name) == expected.events)
        #expect(conf.daemons.map(\.name) == expected.daemons)
        #expect(conf.warnings.isEmpty, "unexpected warnings: \(conf.warnings)")
    }

    @Test("typed values of the shipped examples")
    func typedValues() throws {
        let conf = try CyrusConf.load(path: Fixtures.path("cyrus/cyrus_conf/cmu-backend.conf"))
        let byName = Dictionary(uniqueKeysWithValues: conf.services.map { ($0.name, $0) })
        #expect(byName["fud"]?.proto == .udp)
        #expect(byName["notifyd"]?.proto == .udp)
        #expect(byName["notifyd"]?.listenAddress == .unix(path: "/imap/conf/socket/notifyd"))
        #expect(byName["imap"]?.listenAddress == .wildcard(port: "imap"))
        #expect(byName["imap"]?.prefork == 5)
        #expect(byName["imap"]?.maxchild == -1)
        #expect(byName["imaps"]?.argv == ["imapd", "-s"])
        #expect(byName["lmtp"]?.proto == .tcp)
        #expect(conf.services.allSatisfy { !$0.babysit && $0.maxforkrate == 0 && $0.maxfds == 0 })

        let minimal = try CyrusConf.load(path: Fixtures.path("cyrus/master-README-minimal.conf"))
        #expect(minimal.start.first?.argv == ["ctl_cyrusdb", "-r"])
        #expect(minimal.events.map(\.period) == [30, 0, 0])
        #expect(minimal.events.map(\.at) == [nil, TimeOfDay(hhmm: 400), TimeOfDay(hhmm: 400)])
        #expect(minimal.events[1].argv == ["ctl_deliver", "-E", "3"])
        let idled = try #require(minimal.daemons.first)
        #expect(idled.name == "idled" && idled.line == 40 && !idled.wait && idled.argv == ["idled"])

        let frontend = try CyrusConf.load(path: Fixtures.path("cyrus/cyrus_conf/murder-frontend.conf"))
        #expect(frontend.services.first { $0.name == "lmtp" }?.maxchild == 20)
        #expect(frontend.services.first { $0.name == "mupdate" }?.line == 32)
    }

    @Test("the compatible mode yields the same result on the shipped examples", arguments: ExpectedCyrusConf.all)
    func compatibleModeAgrees(_ expected: ExpectedCyrusConf) throws {
        let path = try Fixtures.path(expected.file)
        let strict = try CyrusConf.load(path: path)
        let compatible = try CyrusConf.load(path: path, mode: .cyrusCompatible)
        #expect(strict.services == compatible.services)
        #expect(strict.events == compatible.events)
    }
}
