import Testing
@testable import ConfParse

/// What Tests/Fixtures/README.md says each cyrus.conf fixture must yield.
struct ExpectedCyrusConf: Sendable, CustomTestStringConvertible {
    let file: String
    let start: [String]
    /// `line|name|listen|cmd|other keys` per SERVICES entry, in file order.
    let services: [String]
    let events: [String]
    let daemons: [String]

    var testDescription: String { file }

    /// The EVENTS of the store layouts (`store-*`, `busy-store`, `tabbed-front`).
    static let storeEvents = ["checkpoint", "dupexpire", "purgedeleted", "purgeexpunged", "tlsexpire"]

    static let all: [ExpectedCyrusConf] = [
        .init(file: "cyrus-conf/single-host.conf", start: ["dbrecover"], services: [
            "11|imap|imap|imapd|prefork=2", "12|pop3|pop3|pop3d|prefork=0",
            "14|managesieve|sieve|timsieved|prefork=0", "17|lmtplocal|/run/mailhost/lmtp|lmtpd|prefork=1",
        ], events: ["dbcheckpoint", "dupexpire", "tlsexpire"], daemons: ["idled"]),
        .init(file: "cyrus-conf/campus-backend.conf", start: ["tickets", "dbrecover", "mboxpush"], services: [
            "10|mailread|imap|imapd|prefork=5", "11|mailreadtls|imaps|imapd -s|prefork=1",
            "12|popper|pop3|pop3d|prefork=0", "13|poppertls|pop3s|pop3d -s|prefork=0",
            "14|kpopper|kpop|pop3d -k|prefork=0", "15|sieveedit|sieve|timsieved|prefork=0",
            "18|newmail|fud|fud|prefork=1 proto=udp",
            "19|notifier|/srv/mailhost/sock/notify|notifyd|proto=udp prefork=1",
            "22|deliver|lmtp|lmtpd|prefork=2", "23|deliverlocal|/srv/mailhost/sock/lmtp|lmtpd|prefork=0",
            "26|groups|/srv/mailhost/sock/ptloader|ptloader|prefork=1",
        ], events: ["checkpoint", "dupexpire", "purgedeleted", "purgeexpunged", "tlsexpire", "tickets"], daemons: []),
        .init(file: "cyrus-conf/proxy-front.conf", start: ["tickets", "dbrecover"], services: [
            "10|mboxdir|3905|/usr/lib/cyrus/bin/mupdate|prefork=1", "12|mailproxy|143|proxyd|prefork=4",
            "13|mailproxytls|993|proxyd -s|prefork=1", "14|popproxy|110|pop3proxyd|prefork=0",
            "15|sieveproxy|4190|timsieved|prefork=0", "17|newmail|fud|fud|prefork=1 proto=udp",
            "20|relay|/srv/front/sock/lmtp|lmtpproxyd|prefork=1",
        ], events: ["checkpoint", "tickets"], daemons: []),
        .init(file: "cyrus-conf/tabbed-front.conf", start: ["dbrecover"], services: [
            "10|mailproxy|imap|proxyd|prefork=0", "11|mailproxytls|imaps|proxyd -s|prefork=0",
            "12|popproxy|pop3|pop3proxyd|prefork=0 maxchild=40", "13|popproxytls|pop3s|pop3proxyd -s|prefork=0 maxchild=40",
            "15|sieveproxy|sieve|timsieved|prefork=0", "18|dav|http|httpd|prefork=0", "19|davtls|https|httpd -s|prefork=0",
            "21|relay|lmtp|lmtpproxyd -a|prefork=1 maxchild=25", "23|mboxdir|mupdate|mupdate|prefork=1",
        ], events: storeEvents, daemons: []),
        .init(file: "cyrus-conf/tabbed-mboxdir.conf", start: ["dbrecover"], services: [
            "8|mboxdir|3905|mupdate -m|prefork=1",
        ], events: ["checkpoint"], daemons: []),
        .init(file: "cyrus-conf/store-primary.conf", start: ["dbrecover", "syncstandby1", "syncstandby2", "syncoffsite"],
              services: [
                "14|mailread|imap|imapd|prefork=3", "15|mailreadtls|imaps|imapd -s|prefork=1",
                "16|popper|pop3|pop3d|prefork=0", "17|poppertls|pop3s|pop3d -s|prefork=0",
                "18|sieveedit|sieve|timsieved|prefork=0", "21|dav|8008|httpd|prefork=0", "22|davtls|8443|httpd -s|prefork=0",
                "25|deliver|/srv/store/sock/lmtp|lmtpd|prefork=2 maxchild=30",
              ], events: storeEvents, daemons: []),
        .init(file: "cyrus-conf/store-standby.conf", start: ["dbrecover"], services: [
            "7|mailread|imap|imapd|prefork=0", "8|mailreadtls|imaps|imapd -s|prefork=0", "9|popper|pop3|pop3d|prefork=0",
            "10|poppertls|pop3s|pop3d -s|prefork=0", "11|sieveedit|sieve|timsieved|prefork=0",
            "14|syncserver|csync|sync_server|prefork=1", "16|deliver|/srv/store/sock/lmtp|lmtpd|prefork=0",
        ], events: storeEvents, daemons: []),
        .init(file: "cyrus-conf/delivery-only.conf", start: ["dbrecover"], services: [
            "7|lmtpunix|/run/delivery/lmtp|lmtpd|prefork=2 maxchild=20 babysit=1",
            "8|lmtp|127.0.0.1:2003|lmtpd -a|prefork=0 maxchild=10 maxforkrate=20",
            "9|lmtp6|[::1]:2003|lmtpd -a|proto=tcp6 prefork=0 maxchild=10",
        ], events: ["dupexpire"], daemons: []),
        .init(file: "cyrus-conf/busy-store.conf", start: ["dbrecover"], services: [
            "7|mailread|imap|imapd|prefork=8", "8|mailreadtls|imaps|imapd -s|prefork=2", "9|popper|pop3|pop3d|prefork=4",
            "10|poppertls|pop3s|pop3d -s|prefork=1", "11|sieveedit|sieve|timsieved|prefork=0",
            "18|deliver|/srv/store/sock/lmtp|lmtpd|prefork=3",
        ], events: storeEvents, daemons: []),
        .init(file: "cyrus-conf/tiny-store.conf", start: ["dbrecover"], services: [
            "7|mailread|imap|imapd|prefork=0", "8|popper|pop3|pop3d|prefork=0",
            "11|deliver|/srv/store/sock/lmtp|lmtpd|prefork=0",
        ], events: ["checkpoint"], daemons: []),
        .init(file: "cyrus-conf/editor-forms.conf", start: ["dbrecover"], services: [
            "7|deliver|/run/mailhost/lmtp|lmtpd -C /etc/mailhost/imapd.conf|prefork=1",
            "8|deliverlan|192.0.2.10:2003|lmtpd -a|maxfds=256 prefork=0",
            "9|mailread|imap|imapd -U 100 -T 30|prefork=1",
        ], events: ["checkpoint", "nightly"], daemons: []),
    ]
}

@Suite("cyrus.conf: the fixtures in Tests/Fixtures/cyrus-conf")
struct CyrusConfFixtureTests {
    @Test("parses exactly as Tests/Fixtures/README.md says", arguments: ExpectedCyrusConf.all)
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

    @Test("typed values of the fixtures")
    func typedValues() throws {
        let conf = try CyrusConf.load(path: Fixtures.path("cyrus-conf/campus-backend.conf"))
        let byName = Dictionary(uniqueKeysWithValues: conf.services.map { ($0.name, $0) })
        #expect(byName["newmail"]?.proto == .udp)
        #expect(byName["notifier"]?.proto == .udp)
        #expect(byName["notifier"]?.listenAddress == .unix(path: "/srv/mailhost/sock/notify"))
        #expect(byName["mailread"]?.listenAddress == .wildcard(port: "imap"))
        #expect(byName["mailread"]?.prefork == 5)
        #expect(byName["mailread"]?.maxchild == -1)
        #expect(byName["mailreadtls"]?.argv == ["imapd", "-s"])
        #expect(byName["deliver"]?.proto == .tcp)
        #expect(conf.services.allSatisfy { !$0.babysit && $0.maxforkrate == 0 && $0.maxfds == 0 })

        let single = try CyrusConf.load(path: Fixtures.path("cyrus-conf/single-host.conf"))
        #expect(single.start.first?.argv == ["ctl_cyrusdb", "-r"])
        #expect(single.events.map(\.period) == [15, 0, 0])
        #expect(single.events.map(\.at) == [nil, TimeOfDay(hhmm: 315), TimeOfDay(hhmm: 330)])
        #expect(single.events[1].argv == ["cyr_expire", "-E", "5"])
        let idled = try #require(single.daemons.first)
        #expect(idled.name == "idled" && idled.line == 37 && !idled.wait && idled.argv == ["idled"])

        let front = try CyrusConf.load(path: Fixtures.path("cyrus-conf/tabbed-front.conf"))
        #expect(front.services.first { $0.name == "relay" }?.maxchild == 25)
        #expect(front.services.first { $0.name == "mboxdir" }?.line == 23)

        let delivery = try CyrusConf.load(path: Fixtures.path("cyrus-conf/delivery-only.conf"))
        #expect(delivery.services.map(\.babysit) == [true, false, false])
        #expect(delivery.services.map(\.maxforkrate) == [0, 20, 0])
        #expect(delivery.services.last?.proto == .tcp6)
    }

    @Test("the compatible mode yields the same result on the fixtures", arguments: ExpectedCyrusConf.all)
    func compatibleModeAgrees(_ expected: ExpectedCyrusConf) throws {
        let path = try Fixtures.path(expected.file)
        let strict = try CyrusConf.load(path: path)
        let compatible = try CyrusConf.load(path: path, mode: .cyrusCompatible)
        #expect(strict.services == compatible.services)
        #expect(strict.events == compatible.events)
    }
}
