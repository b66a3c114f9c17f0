import LMTP
import LMTPTesting

/// Walks the client's lines and the engine's replies side by side, as an LMTP client would:
/// one reply per command line (AUTH answers included), a `354` starts a message whose replies
/// (one per recipient of its spool) follow the final dot, `221` ends the session, and a `421`
/// may only be the very last reply. Traps on a line left unanswered or a reply not asked for.
struct LMTPReplyAccounting {
    private let lines: [ArraySlice<UInt8>]
    private var replies: ArraySlice<ReplyStream.Reply>
    private let spools: [FakeSpool]
    /// The replies after each message's final dot, by spool (same order as `spools`).
    private(set) var messageReplies: [[ReplyStream.Reply]] = []

    /// The longest command line, line end included (`LMTPSession.commandLineLimit`).
    static let commandLineLimit = 4096

    init(input: [UInt8], replies: ReplyStream, spools: [FakeSpool]) {
        // Only complete lines (ending in LF) are answered.
        var lines = input.split(separator: 0x0A, omittingEmptySubsequences: false)
        lines.removeLast()
        self.lines = lines
        self.replies = replies.replies[...]
        self.spools = spools
    }

    mutating func check(end: SessionEnd, endError: StreamError?) {
        let greeting = next("the greeting")
        require(greeting.number == 220, "greeting is \(greeting.text)")
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            let reply = next("line \(index): \(String(decoding: line.prefix(80), as: UTF8.self))")
            switch reply.number {
            case 354:
                let spool = messageReplies.count
                require(spool < spools.count, "354 without an open spool")
                guard let dot = lines[index...].firstIndex(where: Self.isFinalDot) else {
                    // The client left inside the message: nothing more is answered.
                    index = lines.count
                    messageReplies.append([])
                    continue
                }
                index = dot + 1
                var answers: [ReplyStream.Reply] = []
                for n in 0..<spools[spool].recipients.count {
                    answers.append(next("recipient \(n + 1) of message \(spool + 1)"))
                }
                messageReplies.append(answers)
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
