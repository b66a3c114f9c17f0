@testable import LMTPProxy
import Testing

@Suite("lmtpproxyd: backends and routing")
struct RoutingTests {
    @Test("proxy_backends: name=address words, unix paths, host:port and [v6]:port; bad words are refused")
    func backendList() throws {
        let list = try ProxyBackend.parseList("a=10.0.0.1:2003, b=/run/cyrus/socket/lmtp  c=[::1]:24")
        #expect(list == [ProxyBackend(name: "a", address: .inet(host: "10.0.0.1", port: 2003)),
                         ProxyBackend(name: "b", address: .unix("/run/cyrus/socket/lmtp")),
                         ProxyBackend(name: "c", address: .inet(host: "::1", port: 24))])
        #expect(throws: ProxyConfigurationError.self) { try ProxyBackend.parseList("a=host") }
        #expect(throws: ProxyConfigurationError.self) { try ProxyBackend.parseList("a=h:1 a=h:2") }
        #expect(throws: ProxyConfigurationError.self) { try ProxyBackend.parseList("no-equals") }
        #expect(throws: ProxyConfigurationError.self) { try ProxyBackend.parseList("b@d=h:1") }
        #expect(throws: ProxyConfigurationError.self) { try ProxyBackend.parseList("a=h:0") }
    }

    @Test("rendezvous hashing is fixed: the same users go to the same backends in every process")
    func fixedChoices() {
        let router = RendezvousRouter(backends: ["one", "two", "three"])
        let choices = (0..<12).map { router.backend(for: "user\($0)") ?? "-" }
        // Recorded once: a change here moves users between backends (their mail would be split).
        #expect(choices == Self.recorded, "\(choices)")
        #expect(RendezvousRouter(backends: ["three", "one", "two"]).backend(for: "user7") == router.backend(for: "user7"),
                "the order of proxy_backends does not matter")
        #expect(RendezvousRouter(backends: []).backend(for: "x") == nil)
    }

    static let recorded = RecordedChoices.value

    @Test("adding a fourth backend moves about a quarter of the users, all of them to the new one")
    func stableWhenAdding() {
        let three = RendezvousRouter(backends: ["a", "b", "c"])
        let four = RendezvousRouter(backends: ["a", "b", "c", "d"])
        var moved = 0
        var counts: [String: Int] = [:]
        for index in 0..<10_000 {
            let user = "user\(index)"
            let before = three.backend(for: user), after = four.backend(for: user)
            counts[before ?? "-", default: 0] += 1
            if before != after {
                moved += 1
                #expect(after == "d", "\(user) moved from \(before ?? "-") to \(after ?? "-")")
            }
        }
        #expect(moved > 2_200 && moved < 2_800, "\(moved) of 10,000 moved")
        #expect(counts.values.allSatisfy { $0 > 3_000 && $0 < 3_700 }, "balance: \(counts)")
    }

    @Test("BDAT's wire form: CRLF line ends, dots untouched, a missing last line end added")
    func chunkForm() {
        var encoder = WireEncoder(stuffDots: false)
        var out: [UInt8] = []
        Array(".a\n..b\nlast".utf8).withUnsafeBytes { encoder.encode($0, into: &out) }
        encoder.finish(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == ".a\r\n..b\r\nlast\r\n")
    }

    @Test("DATA's wire form: CRLF line ends, leading dots doubled, the end line added")
    func dotStuffing() {
        var stuffer = WireEncoder(stuffDots: true)
        var out: [UInt8] = []
        for part in [".a\n..b\nc.", "\n.", "d\nlast"] {
            Array(part.utf8).withUnsafeBytes { stuffer.encode($0, into: &out) }
        }
        stuffer.finish(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "..a\r\n...b\r\nc.\r\n..d\r\nlast\r\n.\r\n")
    }
}
