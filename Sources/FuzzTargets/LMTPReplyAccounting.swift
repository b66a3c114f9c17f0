import LMTP
import LMTPTesting

/// Walks the client's input and the engine's replies side by side, as an LMTP client would:
/// one reply per command line (AUTH answers included), a `354` starts a message whose replies
/// (one per recipient of its spool) follow the final dot, `BDAT <n>` is followed by `n` octets
/// (`ChunkAccounting`), `221` ends the session, and a `421` may only be the very last reply.
/// Traps on a line left unanswered or a reply not asked for.
struct LMTPReplyAccounting {
    private let input: [UInt8]
    /// Where the next command line starts in `input`.
    private var position = 0
    /// Complete lines seen so far, for messages.
    private var lineNumber = 0
    private var replies: ArraySlice<ReplyStream.Reply>
    private let spools: [FakeSpool]
    /// The replies after each message's final dot or last chunk, by spool (same order as `spools`).
    private(set) var messageReplies: [[ReplyStream.Reply]] = []
    /// A chunked message is being received: its first chunk was answered `octets received`.
    private var receivingChunks = false

    /// The longest command line, line end included (`LMTPSession.commandLineLimit`).
    static let commandLineLimit = 4096

    init(input: [UInt8], replies: ReplyStream, spools: [FakeSpool]) {
        self.input = input
        self.replies = replies.replies[...]
        self.spools = spools
    }

    /// The next complete line (without its LF), or nil when the input ends before one.
    private mutating func nextLine() -> ArraySlice<UInt8>? {
        guard position < input.count, let lf = input[position...].firstIndex(of: 0x0A) else { return nil }
        defer { position = lf + 1 }
        lineNumber += 1
        return input[position..<lf]
    }

    mutating func check(end: SessionEnd, endError: StreamError?) {
        let greeting = next("the greeting")
        require(greeting.number == 220, "greeting is \(greeting.text)")
        var afterChallenge = false
        while let line = nextLine() {
            if !afterChallenge, let chunk = ChunkLine(line, limit: Self.commandLineLimit) {
                guard let size = chunk.size else {
                    let number = lineNumber
                    let reply = next("BDAT with a bad size, line \(number)")
                    require(reply.number == 501, "a bad BDAT size answered \(reply.text)")
                    require(replies.isEmpty && end == .failed("invalid BDAT chunk size"), "the session went on after a bad BDAT size")
                    return
                }
                guard input.count - position >= size else {
                    // The client left inside the chunk: at most the refusal of a spool answered
                    // before its octets were read.
                    position = input.count
                    if let first = replies.first, first.number != 421, !first.isSuccess { _ = next("the refusal") }
                    break
                }
                position += size
                accountChunk(chunk, size: size)
                afterChallenge = false
                continue
            }
            let number = lineNumber
            let reply = next("line \(number): \(String(decoding: line.prefix(80), as: UTF8.self))")
            afterChallenge = reply.number == 334
            if reply.number == 250 && ChunkLine.endsTransaction(line) && receivingChunks {
                // RSET discards the half-received message: its spool gets no replies.
                receivingChunks = false
                messageReplies.append([])
            }
            switch reply.number {
            case 354:
                let spool = messageReplies.count
                require(spool < spools.count, "354 without an open spool")
                var ended = false
                while let body = nextLine() {
                    if Self.isFinalDot(body) { ended = true; break }
                }
                guard ended else {
                    // The client left inside the message: nothing more is answered.
                    messageReplies.append([])
                    continue
                }
                messageReplies.append(recipientReplies(of: spool))
            case 221:
                require(end == .quit, "221 but the session ended as \(end)")
                require(replies.isEmpty, "replies after 221: \(replies.first?.text ?? "")")
                return
            case 421:
                require(false, "421 as the answer to a line: \(reply.text)")
            case 535 where replies.first?.number == 421 && end == .tooManyAuthenticationFailures:
                // The last failed AUTH attempt allowed: the session ends.
                _ = next("the 421")
                require(replies.isEmpty, "replies after 421: \(replies.first?.text ?? "")")
                return
            default:
                break
            }
        }
        if let last = replies.first {
            require(replies.count == 1 && last.number == 421 && endError != nil,
                    "a reply nobody asked for after the last line: \(last.text)")
            _ = next("the final 421")
        }
        require(end != .quit && end != .tooManyAuthenticationFailures, "the session ended as \(end) without its reply")
    }

    /// One reply for a chunk that is not the last one of its message (checked to count its
    /// octets when taken); after the last one, a reply per recipient when a spool takes the
    /// message, else one refusal.
    private mutating func accountChunk(_ chunk: ChunkLine, size: Int) {
        let first = replies.first
        if !chunk.last {
            let number = lineNumber
            let reply = next("BDAT \(size), line \(number)")
            if reply.text == "250 2.0.0 \(size) octets received" {
                if !receivingChunks { require(messageReplies.count < spools.count, "a chunk taken without an open spool") }
                receivingChunks = true
            } else {
                require(!reply.isSuccess, "a chunk answered \(reply.text)")
                // Only a malformed BDAT line is refused while a message is being received; the
                // message goes on.
                require(!receivingChunks || reply.text == "501 5.5.4 Unrecognized parameters",
                        "a chunk of a message being received refused: \(reply.text)")
            }
            return
        }
        let refusals = ["503 5.5.1 Need MAIL command", "503 5.5.1 No recipients", "501 5.5.4 Unrecognized parameters",
                        "530 Authentication required", "430 Authentication required"]
        // Without a spool (the agent's openFailure) the first chunk's refusal is the only reply.
        let taken = receivingChunks || (first.map { !refusals.contains($0.text) } ?? false) && messageReplies.count < spools.count

        receivingChunks = false
        guard taken else {
            let number = lineNumber
            _ = next("BDAT \(size) LAST, line \(number)")
            return
        }
        messageReplies.append(recipientReplies(of: messageReplies.count))
    }

    private mutating func recipientReplies(of spool: Int) -> [ReplyStream.Reply] {
        var answers: [ReplyStream.Reply] = []
        for n in 0..<spools[spool].recipients.count {
            answers.append(next("recipient \(n + 1) of message \(spool + 1)"))
        }
        return answers
    }

    /// `.` CRLF or `.` LF (the line is already without its LF).
    private static func isFinalDot(_ line: ArraySlice<UInt8>) -> Bool {
        line.elementsEqual([0x2E]) || line.elementsEqual([0x2E, 0x0D])
    }

    private mutating func next(_ what: @autoclosure () -> String) -> ReplyStream.Reply {
        guard let reply = replies.popFirst() else {
            fatalError("fuzz invariant broken: no reply for \(what())")
        }
        return reply
    }
}
