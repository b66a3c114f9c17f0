import Logging

/// How a session ended (for the server's log and exit decisions).
public enum SessionEnd: Sendable, Equatable {
    /// The client sent QUIT.
    case quit
    /// The client closed the connection (also in the middle of DATA: nothing was delivered).
    case clientClosed
    /// No input within the idle timeout (`421 4.4.1 bye idle for too long` was sent).
    case timedOut
    /// Reading was interrupted (`421 4.4.1 bye Interrupted system call` was sent).
    case interrupted
    /// The server is shutting down (`421 4.3.2 bye server shutting down` was sent).
    case shuttingDown
    /// A read or write error, with its text.
    case failed(String)
    /// Too many failed AUTH attempts (`421 4.7.0` was sent).
    case tooManyAuthenticationFailures
}

/// The LMTP protocol engine for one connection at a time: greeting, commands, DATA, replies.
/// It does no I/O itself: bytes come from a `ByteInput`, replies go to a `ByteOutput` (one
/// write per pipelined batch), storage questions go to the `DeliveryAgent`.
///
/// A session object may serve several connections one after the other (`run` resets it);
/// nothing is shared between sessions except the `SessionIDGenerator` and `MessageIDGenerator`.
public final class LMTPSession<Agent: DeliveryAgent> {
    public let settings: LMTPSettings
    public let client: ClientInfo
    public let agent: Agent
    let sessionIDs: SessionIDGenerator
    let messageIDs: MessageIDGenerator
    let clock: WallClock
    var logger: Logger

    /// The longest command line, line end included (Cyrus reads 4095 bytes).
    static var commandLineLimit: Int { 4096 }

    // Per-connection state, reset by `run`.
    var sessionID = ""
    var lhloName: String?
    var authenticated = false
    var transaction = Transaction<Agent.Resolved>()
    /// The message of this transaction arriving in BDAT chunks (see `LMTPSession+Chunking`).
    var chunks = ChunkedMessage<Agent.Spool, Agent.Resolved>.none
    /// STARTTLS for this connection (nil: TLS not configured); see `LMTPSession+StartTLS`.
    var tlsUpgrader: TLSUpgrader?
    /// Whether the connection runs over TLS (after a successful STARTTLS).
    public internal(set) var tlsActive = false
    /// The TLS layer as `Received:` names it (Cyrus's `tls_get_info()`), once TLS is active.
    var tlsReceivedComment: String?
    /// The verified client certificate's identity, once TLS is active.
    public internal(set) var tlsPeerIdentity: String?
    /// AUTH for this connection (nil: AUTH is not offered); set before `run`. See `LMTPSession+Auth`.
    public var authenticator: (any Authenticator)?
    /// What AUTH established on this connection.
    var authState = AuthState()
    /// Where the session's counts go (set before `run`; nothing by default).
    public var metrics: any SessionMetrics = NoSessionMetrics()

    /// True while the engine reads a message body (after `354`, up to the final dot). An input
    /// that wants to stop the session (`StreamError.shuttingDown`) waits until this is false,
    /// so that no message is cut off half-way.
    public internal(set) var isReceivingMessage = false

    /// - Parameters:
    ///   - settings: configuration (servername, limits, policy switches).
    ///   - client: who is connected, for the `Received:` header.
    ///   - agent: answers RCPT, provides spools, delivers.
    ///   - logger: gets the session id as `session` metadata.
    ///   - sessionIDs: the process's session id generator.
    ///   - clock: the time written in `Received:` (and in an added `Date:`).
    ///   - messageIDs: makes added `Message-ID:`s (`addMissingMessageID`); the process's by default.
    public init(settings: LMTPSettings, client: ClientInfo, agent: Agent, logger: Logger,
                sessionIDs: SessionIDGenerator, clock: WallClock = .system,
                messageIDs: MessageIDGenerator = .shared) {
        self.settings = settings
        self.client = client
        self.agent = agent
        self.logger = logger
        self.sessionIDs = sessionIDs
        self.messageIDs = messageIDs
        self.clock = clock
    }

    /// Serves one connection from the greeting to QUIT, end of input, timeout or error.
    /// Never throws and never traps on any input. `tls` offers STARTTLS on this connection.
    public func run(input: ByteInput, output: ByteOutput, tls: TLSUpgrader? = nil) -> SessionEnd {
        let connection = Connection(input: input, output: output)
        tlsUpgrader = tls
        tlsActive = false
        tlsReceivedComment = nil
        tlsPeerIdentity = nil
        lhloName = nil
        authenticated = settings.preauthenticated
        authState = AuthState()
        endTransaction()
        isReceivingMessage = false
        renewSessionID()
        metrics.session(active: true)
        defer { metrics.session(active: false) }
        logger.debug("connection", metadata: ["client": "\(client.receivedDescription)"])
        connection.replies.send(Reply.greeting(settings))
        let end = serve(connection)
        endTransaction()
        agent.repliesSent()
        log(end)
        return end
    }

    /// The command loop.
    private func serve(_ connection: Connection) -> SessionEnd {
        while true {
            switch nextCommandLine(connection) {
            case .ended(let end):
                return end
            case .tooLong:
                logger.debug("command line too long")
                connection.replies.send(Reply.lineTooLong)
            case .line(let line):
                logger.debug("command", metadata: ["line": "\(Command.logForm(line))"])
                if let end = execute(Command.parse(line), connection) { return end }
            }
        }
    }

    private func execute(_ command: Command, _ connection: Connection) -> SessionEnd? {
        let replies = connection.replies
        switch command {
        case .lhlo(let name):
            lhloName = HeaderText.sanitized(bytes: name, limit: Command.maximumLHLONameLength)
            replies.send(Reply.lhlo(settings, sessionID: sessionID, startTLS: offersStartTLS, auth: authCapabilities()))
            renewSessionID()
        case .mail(let arguments):
            replies.send(mail(arguments))
        case .rcpt(let arguments):
            replies.send(recipient(arguments))
        case .data:
            return data(connection)
        case .bdat(let arguments):
            return chunk(arguments, connection)
        case .rset:
            endTransaction()
            renewSessionID()
            replies.send(Reply.rset(sessionID: sessionID))
        case .noop:
            replies.send(Reply.noop)
        case .quit:
            replies.send(Reply.quit)
            do { try replies.flush() } catch { return .failed(text(error)) }
            return .quit
        case .vrfy:
            replies.send(Reply.vrfy)
        case .starttls:
            let end = startTLS(connection)
            if end == nil { noteSecurityLayerForAuth() }
            return end
        case .auth(let arguments):
            return authenticate(arguments, connection)
        case .invalid:
            replies.send(Reply.syntaxError)
        }
        return nil
    }

    /// Ends the transaction: MAIL, the recipients and a message half-received in chunks.
    func endTransaction() {
        if case .receiving(let message) = chunks { agent.discard(message.spool) }
        chunks = .none
        transaction.reset()
    }

    func renewSessionID() {
        sessionID = sessionIDs.next(prefix: settings.effectiveSessionIDPrefix)
        logger[metadataKey: "session"] = "\(sessionID)"
    }

    // MARK: reading command lines

    private enum CommandLine {
        case line([UInt8])
        case tooLong
        case ended(SessionEnd)
    }

    /// The next command line without its line end (one LF, then one CR removed). Flushes the
    /// pending replies before waiting for input. A line over the limit is consumed up to its
    /// LF and reported once.
    private func nextCommandLine(_ connection: Connection) -> CommandLine {
        let buffer = connection.buffer
        var discarding = false
        while true {
            if let lf = buffer.firstLF() {
                let start = buffer.start
                if discarding || lf - start + 1 > Self.commandLineLimit {
                    buffer.consume(upTo: lf + 1)
                    return .tooLong
                }
                var contentEnd = lf
                if contentEnd > start && buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                let line = Array(buffer.bytes(start, contentEnd))
                buffer.consume(upTo: lf + 1)
                return .line(line)
            }
            if buffer.count >= Self.commandLineLimit {
                discarding = true
                buffer.consumeAll()
            }
            if let end = waitForInput(connection) { return .ended(end) }
        }
    }

    /// Flushes pending replies, then reads more input. Returns how the session ends if it
    /// must (end of input, read or write error).
    func waitForInput(_ connection: Connection) -> SessionEnd? {
        do {
            try connection.replies.flush()
        } catch {
            return .failed(text(error))
        }
        agent.repliesSent()
        do {
            return try connection.buffer.fill(from: connection.input) ? nil : .clientClosed
        } catch {
            return streamFailed(error, connection)
        }
    }

    /// Answers a read error with its 421 line (best effort) and names the end.
    func streamFailed(_ error: StreamError, _ connection: Connection) -> SessionEnd {
        let end: SessionEnd
        switch error {
        case .timedOut:
            connection.replies.send(Reply.idleTimeout)
            end = .timedOut
        case .interrupted:
            connection.replies.send(Reply.interrupted)
            end = .interrupted
        case .shuttingDown:
            connection.replies.send(Reply.shuttingDown)
            end = .shuttingDown
        case .failed(let text):
            connection.replies.send(Reply.streamFailure(text))
            end = .failed(text)
        }
        connection.replies.flushQuietly()
        return end
    }

    func text(_ error: StreamError) -> String {
        switch error {
        case .timedOut: return "timed out"
        case .interrupted: return "interrupted"
        case .shuttingDown: return "shutting down"
        case .failed(let text): return text
        }
    }

    private func log(_ end: SessionEnd) {
        switch end {
        case .quit, .clientClosed:
            logger.debug("session ended", metadata: ["end": "\(end)"])
        case .timedOut, .interrupted, .shuttingDown, .tooManyAuthenticationFailures:
            logger.notice("session ended", metadata: ["end": "\(end)"])
        case .failed(let text):
            logger.warning("session failed", metadata: ["error": "\(text)"])
        }
    }
}

/// The streams and buffers of the connection being served.
final class Connection {
    private(set) var input: ByteInput
    let buffer = InputBuffer()
    private(set) var replies: ReplyWriter

    init(input: ByteInput, output: ByteOutput) {
        self.input = input
        replies = ReplyWriter(output: output)
    }

    /// Continues on other streams (TLS after STARTTLS). Pending replies must have been flushed.
    func switchStreams(input: ByteInput, output: ByteOutput) {
        self.input = input
        replies = ReplyWriter(output: output)
    }
}
