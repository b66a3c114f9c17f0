import LMTP
import LMTPTesting
import Logging

/// A whole LMTP session: the first four bytes choose the settings, the agent's verdicts and the
/// input chunking; the rest is what the client sends. Checked afterwards:
/// * every reply line is `ddd`, space or dash, printable text, CRLF; every write ends in CRLF;
/// * every command line gets exactly one reply, every message one reply per recipient, and
///   nothing else is said (`LMTPReplyAccounting`);
/// * the agent is used correctly: spools are opened for accepted recipients only, closed once,
///   never written after closing, never delivered after a failed write; stored messages have no
///   NUL or CR, end in LF and respect `maxmessagesize` (`LMTPAgentChecks`).
enum LMTPSessionFuzz {
    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let flags = input.byte()
        let more = input.byte()
        let agentSeed = input.byte()
        let chunking = input.byte()

        let settings = Self.settings(flags, more)
        let agent = Self.agent(seed: agentSeed, more)
        let session = LMTPSession(
            settings: settings,
            client: settings.preauthenticated ? .unixSocket : .inet(address: "192.0.2.7", hostname: "client.example"),
            agent: agent, logger: quietLogger,
            sessionIDs: SessionIDGenerator(processID: 4242, unixTime: { 1_795_550_421 }, random: { 7 }),
            clock: .fixed(LocalTime(unixTime: 1_795_550_421, utcOffsetSeconds: 3600)),
            messageIDs: MessageIDGenerator(processID: 4242))
        if more.bit(1) { session.authenticator = FakeAuthenticator() }
        let client = Array(input.rest)
        let source = ChunkedInput(client, chunkSizes: chunkSizes(chunking), endError: more.bit(2) ? .timedOut : nil)
        let output = RecordingOutput()
        let end = session.run(input: source, output: output)

        let replies = ReplyStream(output)
        var accounting = LMTPReplyAccounting(input: client, replies: replies, spools: agent.opened)
        accounting.check(end: end, endError: source.endError)
        LMTPAgentChecks(agent: agent, settings: settings, replies: accounting.messageReplies).check()
    }

    /// Settings from two flag bytes.
    static func settings(_ flags: UInt8, _ more: UInt8) -> LMTPSettings {
        var settings = LMTPSettings(
            servername: "mx.example.org", serverInfo: more.bit(6) ? .min : .on, version: "9.9",
            maxMessageSize: more.bit(3) ? 700 : 0,
            downcaseRecipients: flags.bit(1), strictRFC2821: flags.bit(0),
            munge8bit: flags.bit(2), reject8bit: flags.bit(3),
            preauthenticated: flags.bit(4), softNoAuth: more.bit(7),
            addMissingMessageID: flags.bit(5), addMissingDate: flags.bit(6),
            sessionIDHeader: more.bit(0), deliveredTo: flags.bit(7))
        settings.maximumAuthenticationFailures = 2
        return settings
    }

    /// An agent whose verdicts depend on the recipient's user and `seed` (0: accepts all).
    static func agent(seed: UInt8, _ more: UInt8) -> FakeAgent {
        let agent = FakeAgent()
        let failures: [DeliveryFailure] = [
            .mailboxUnknown, .permissionDenied, .overQuota(permanent: false), .overQuota(permanent: true),
            .storageFull, .deliveryDisabled, .temporary("fuzz"),
        ]
        if seed != 0 {
            agent.verdict = { recipient in
                let hash = fnv1a(recipient.user.utf8, seed: seed)
                return hash % 4 == 0 ? failures[Int(hash / 4) % failures.count] : nil
            }
            agent.deliveryFailure = { recipient in
                let hash = fnv1a(recipient.user.utf8, seed: seed &+ 1)
                return hash % 5 == 0 ? failures[Int(hash / 5) % failures.count] : nil
            }
        }
        if more.bit(4) { agent.spoolFailAfter = 300 + Int(seed) * 3 }
        if more.bit(5) { agent.openFailure = failures[Int(seed) % failures.count] }
        return agent
    }

    /// Chunk sizes for the input: 0 reads everything at once.
    static func chunkSizes(_ byte: UInt8) -> [Int] {
        guard byte != 0 else { return [] }
        let size = Int(byte)
        return [size, size * 37 + 1, 1, 70_000]
    }

    static let quietLogger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
}
