import Logging
import Synchronization
import Testing
@testable import LMTP

/// The optional headers: `Message-ID:` and `Date:` when missing (Cyrus's `savemsg()`),
/// `X-Cyrus-Session-Id:` (Cyrus) and `Delivered-To:` (Dovecot's LMTP). Exact bytes, with the
/// fixed clock and a fresh Message-ID generator.
@Suite("Optional added headers")
struct HeaderOptionTests {
    static let messageID0 = "<lmtpd-\(Fixture.pid)-\(Fixture.time)-0@localhost>"
    static let messageID1 = "<lmtpd-\(Fixture.pid)-\(Fixture.time)-1@localhost>"

    /// `addedHeaders()` without its first line (`Return-Path:`).
    static var receivedLines: String { String(addedHeaders().drop { $0 != "\n" }.dropFirst()) }

    static func settings(messageID: Bool = false, date: Bool = false, sessionID: Bool = false,
                         deliveredTo: Bool = false) -> LMTPSettings {
        var settings = Fixture.settings
        settings.addMissingMessageID = messageID
        settings.addMissingDate = date
        settings.sessionIDHeader = sessionID
        settings.deliveredTo = deliveredTo
        return settings
    }

    /// Runs a session with a fresh Message-ID generator; returns the agent and the generator.
    static func run(_ script: String, settings: LMTPSettings, chunkSizes: [Int] = [],
                    agent: FakeAgent = FakeAgent()) -> (agent: FakeAgent, messageIDs: MessageIDGenerator) {
        let messageIDs = MessageIDGenerator(processID: Fixture.pid)
        let session = LMTPSession(settings: settings, client: .unixSocket, agent: agent,
                                  logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                                  sessionIDs: Fixture.generator(), clock: Fixture.clock, messageIDs: messageIDs)
        _ = session.run(input: ChunkedInput(script, chunkSizes: chunkSizes), output: RecordingOutput())
        return (agent, messageIDs)
    }

    // MARK: Message-ID and Date when missing

    @Test func defaultsAddNothing() {
        let settings = LMTPSettings()
        #expect(!settings.addMissingMessageID && !settings.addMissingDate && !settings.sessionIDHeader && !settings.deliveredTo)
        let (agent, _) = Self.run(transaction("Subject: hi\r\n\r\nbody\r\n.\r\n"), settings: Fixture.settings)
        #expect(agent.storedText == addedHeaders() + "Subject: hi\n\nbody\n")
    }

    @Test func missingMessageIDAndDateAreAddedAfterTheClientsHeaders() {
        let (agent, _) = Self.run(transaction("Subject: hi\r\nFrom: a@b\r\n\r\nbody\r\n.\r\n"),
                                  settings: Self.settings(messageID: true, date: true))
        #expect(agent.storedText == addedHeaders() + "Subject: hi\nFrom: a@b\n"
                + "Message-ID: \(Self.messageID0)\nDate: \(Fixture.date)\n\nbody\n")
        // The envelope keeps what the client sent: no Message-ID.
        #expect(agent.delivered.first?.envelope.messageID == nil)
        #expect(agent.delivered.first?.envelope.date == nil)
    }

    @Test func onlyMessageID() {
        let (agent, _) = Self.run(transaction("Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nbody\r\n.\r\n"),
                                  settings: Self.settings(messageID: true))
        #expect(agent.storedText == addedHeaders() + "Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
                + "Message-ID: \(Self.messageID0)\n\nbody\n")
    }

    @Test func onlyDate() {
        let (agent, _) = Self.run(transaction("Subject: hi\r\n\r\nbody\r\n.\r\n"), settings: Self.settings(date: true))
        #expect(agent.storedText == addedHeaders() + "Subject: hi\nDate: \(Fixture.date)\n\nbody\n")
    }

    @Test func presentHeadersAreKeptInAnyCaseAndFolded() {
        let message = "message-ID:\r\n <folded@example.org>\r\nDATE: Mon,\r\n 1 Jan 2024 00:00:00 +0000\r\n\r\nbody\r\n.\r\n"
        let (agent, messageIDs) = Self.run(transaction(message), settings: Self.settings(messageID: true, date: true))
        #expect(agent.storedText == addedHeaders()
                + "message-ID:\n <folded@example.org>\nDATE: Mon,\n 1 Jan 2024 00:00:00 +0000\n\nbody\n")
        // No id was used up.
        #expect(messageIDs.next(unixTime: Fixture.time, servername: "localhost") == Self.messageID0)
    }

    @Test func eachMessageGetsTheNextNumber() {
        let script = transaction("Subject: one\r\n\r\n.\r\n") + "MAIL FROM:<a@b>\r\nRCPT TO:<bob>\r\nDATA\r\n"
            + "Subject: two\r\n\r\n.\r\n"
        let (agent, _) = Self.run(script, settings: Self.settings(messageID: true))
        #expect(agent.delivered.count == 2)
        #expect(agent.delivered.first?.spool.text.contains("Subject: one\nMessage-ID: \(Self.messageID0)\n\n") == true)
        #expect(agent.delivered.last?.spool.text.contains("Subject: two\nMessage-ID: \(Self.messageID1)\n\n") == true)
    }

    @Test func headerOnlyAndEmptyMessagesGetThemAtTheEnd() {
        let settings = Self.settings(messageID: true, date: true)
        let (headerOnly, _) = Self.run(transaction("Subject: x\r\n.\r\n"), settings: settings)
        #expect(headerOnly.storedText
                == addedHeaders() + "Subject: x\nMessage-ID: \(Self.messageID0)\nDate: \(Fixture.date)\n")
        let (empty, _) = Self.run(transaction(".\r\n"), settings: settings)
        #expect(empty.storedText == addedHeaders() + "Message-ID: \(Self.messageID0)\nDate: \(Fixture.date)\n")
    }

    @Test(arguments: [[1], [2, 3], [7], []])
    func theEndOfTheHeadersIsFoundWhateverTheReadSizes(_ chunkSizes: [Int]) {
        let (agent, _) = Self.run(transaction("A: 1\r\nB: 2\r\n\r\nline\r\n.\r\n"),
                                  settings: Self.settings(messageID: true, date: true), chunkSizes: chunkSizes)
        #expect(agent.storedText
                == addedHeaders() + "A: 1\nB: 2\nMessage-ID: \(Self.messageID0)\nDate: \(Fixture.date)\n\nline\n")
    }

    @Test func aRefusedMessageGetsNothingAndUsesNoID() {
        let (agent, messageIDs) = Self.run(transaction("not a header\r\n\r\n.\r\n"),
                                           settings: Self.settings(messageID: true, date: true))
        #expect(agent.delivered.isEmpty && agent.discarded.count == 1)
        #expect(messageIDs.next(unixTime: Fixture.time, servername: "localhost") == Self.messageID0)
    }

    // MARK: X-Cyrus-Session-Id

    @Test func sessionIDHeaderFollowsReceived() {
        let (agent, _) = Self.run(transaction("Subject: hi\r\n\r\nbody\r\n.\r\n"), settings: Self.settings(sessionID: true))
        #expect(agent.storedText == addedHeaders() + "X-Cyrus-Session-Id: \(Fixture.id(2))\nSubject: hi\n\nbody\n")
    }

    // MARK: Delivered-To

    @Test func deliveredToNamesTheOnlyRecipientAsWritten() {
        let (agent, _) = Self.run(transaction("\r\nbody\r\n.\r\n", recipients: ["Alice+Work@LocalHost"]),
                                  settings: Self.settings(deliveredTo: true))
        #expect(agent.storedText == "Return-Path: <sender@example.org>\nDelivered-To: Alice+Work@LocalHost\n"
                + Self.receivedLines + "\nbody\n")
    }

    @Test func noDeliveredToForSeveralRecipients() {
        let (agent, _) = Self.run(transaction("\r\nbody\r\n.\r\n", recipients: ["alice", "bob"]),
                                  settings: Self.settings(deliveredTo: true))
        #expect(agent.storedText == addedHeaders() + "\nbody\n")
    }

    @Test func oneAcceptedRecipientOfTwoGetsDeliveredTo() {
        let agent = FakeAgent()
        agent.verdicts["nobody"] = .mailboxUnknown
        let (result, _) = Self.run(transaction("\r\n.\r\n", recipients: ["nobody", "alice"]),
                                   settings: Self.settings(deliveredTo: true), agent: agent)
        #expect(result.storedText?.hasPrefix("Return-Path: <sender@example.org>\nDelivered-To: alice\nReceived: ") == true)
    }

    @Test func allOptionsTogether() {
        let (agent, _) = Self.run(transaction("Subject: hi\r\n\r\nbody\r\n.\r\n"),
                                  settings: Self.settings(messageID: true, date: true, sessionID: true, deliveredTo: true))
        #expect(agent.storedText == "Return-Path: <sender@example.org>\nDelivered-To: alice@localhost\n"
                + Self.receivedLines
                + "X-Cyrus-Session-Id: \(Fixture.id(2))\nSubject: hi\n"
                + "Message-ID: \(Self.messageID0)\nDate: \(Fixture.date)\n\nbody\n")
    }

    // MARK: the generator

    @Test func generatorCountsFromZeroAcrossThreads() async {
        let generator = MessageIDGenerator(processID: 42)
        #expect(generator.next(unixTime: 7, servername: "mx.example") == "<lmtpd-42-7-0@mx.example>")
        let ids = await withTaskGroup(of: String.self) { group in
            for _ in 0..<200 { group.addTask { generator.next(unixTime: 7, servername: "mx.example") } }
            return await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids.count == 200)
        #expect(!ids.contains("<lmtpd-42-7-0@mx.example>"))
    }
}
