import Testing
@testable import LMTP

@Suite("Greeting and LHLO")
struct GreetingTests {
    @Test func greetingWithServerInfo() {
        let result = runSession("")
        #expect(result.lines == ["220 localhost CyrusDelivery LMTP 1.2.3 server ready"])
        #expect(result.end == .clientClosed)
    }

    @Test(arguments: [ServerInfo.min, .off])
    func greetingWithoutServerInfo(_ info: ServerInfo) {
        var settings = Fixture.settings
        settings.serverInfo = info
        #expect(runSession("", settings: settings).lines == ["220 localhost server ready"])
    }

    @Test func lhloCapabilitiesInCyrusOrder() {
        let result = runSession("LHLO client.example\r\n")
        #expect(result.replies == [
            "250-localhost",
            "250-8BITMIME",
            "250-ENHANCEDSTATUSCODES",
            "250-PIPELINING",
            "250-SIZE 1048576",
            "250-SMTPUTF8",
            "250-CHUNKING",
            "250-BINARYMIME",
            "250-IGNOREQUOTA",
            "250 Ok SESSIONID=<\(Fixture.id(1))>",
        ])
    }

    @Test func unlimitedSizeIsABareKeyword() {
        var settings = Fixture.settings
        settings.maxMessageSize = 0
        let result = runSession("LHLO x\r\n", settings: settings)
        #expect(result.replies.contains("250-SIZE"))
        #expect(!result.replies.contains { $0.hasPrefix("250-AUTH") || $0.hasPrefix("250-STARTTLS") })
    }

    @Test func extraCapabilitiesGoBeforeIgnoreQuota() {
        var settings = Fixture.settings
        settings.extraCapabilities = ["AUTH EXTERNAL"]
        let replies = runSession("LHLO x\r\n", settings: settings).replies
        #expect(Array(replies[4...9]) == ["250-SIZE 1048576", "250-SMTPUTF8", "250-CHUNKING", "250-BINARYMIME",
                                          "250-AUTH EXTERNAL", "250-IGNOREQUOTA"])
    }

    @Test func lhloShowsTheCurrentIdThenRenewsIt() {
        let result = runSession("LHLO a\r\nLHLO b\r\nRSET\r\n")
        let ids = result.replies.filter { $0.contains("SESSIONID") }
        #expect(ids == [
            "250 Ok SESSIONID=<\(Fixture.id(1))>",
            "250 Ok SESSIONID=<\(Fixture.id(2))>",
            "250 2.0.0 Ok SESSIONID=<\(Fixture.id(4))>",
        ])
    }

    @Test func lhloNeedsASpaceButNotAName() {
        let result = runSession("LHLO\r\nLHLO \r\nlhlo lower\r\n")
        #expect(result.replies.first == "500 5.5.2 Syntax error")
        #expect(result.replies.filter { $0.hasPrefix("250 Ok") }.count == 2)
    }

    @Test func lhloIsNotRequiredBeforeMail() {
        let result = runSession("MAIL FROM:<a@b>\r\nRCPT TO:<alice@localhost>\r\n")
        #expect(result.replies == ["250 2.1.0 ok", "250 2.1.5 ok"])
    }

    @Test func sessionIDPrefixDefaultsToServername() {
        var settings = Fixture.settings
        settings.sessionIDPrefix = "cyrus-peer"
        let result = runSession("LHLO x\r\n", settings: settings)
        #expect(result.replies.last == "250 Ok SESSIONID=<\(Fixture.id(1, prefix: "cyrus-peer"))>")
    }
}
