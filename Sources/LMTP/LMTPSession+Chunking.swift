import Logging

/// A message arriving in BDAT chunks: none yet in this transaction, or being received.
enum ChunkedMessage<Spool, Resolved> {
    case none
    case receiving(ChunkedSpool<Spool, Resolved>)
}

/// What one chunked message is written through, from its first chunk to its last.
final class ChunkedSpool<Spool, Resolved> {
    let spool: Spool
    /// The recipients the message was begun for (RCPT is refused once chunks arrive).
    let recipients: [AcceptedRecipient<Resolved>]
    let sink: SpoolWriter
    let headers: HeaderInspector
    let lines: MessageLines

    init(spool: Spool, recipients: [AcceptedRecipient<Resolved>], sink: SpoolWriter, headers: HeaderInspector, binaryBody: Bool) {
        self.spool = spool
        self.recipients = recipients
        self.sink = sink
        self.headers = headers
        lines = MessageLines(sink: sink, headers: headers, binaryBody: binaryBody)
    }
}

/// BDAT (RFC 3030 CHUNKING and BINARYMIME), with RFC 2033's one reply per recipient after the
/// last chunk. Every chunk whose size can be read is read to its end, also when it is refused,
/// so the session stays in step with a pipelining client.
extension LMTPSession {
    /// Runs `BDAT <size> [LAST]`. Returns how the session ends if it must.
    func chunk(_ arguments: [UInt8], _ connection: Connection) -> SessionEnd? {
        let replies = connection.replies
        let (size, parsed) = ChunkCommand.parse(arguments)
        guard let size else {
            logger.notice("BDAT with an unreadable chunk size, closing", metadata: ["line": "\(Command.logForm(arguments))"])
            replies.send(Reply.badChunkSize)
            replies.flushQuietly()
            endTransaction()
            return .failed("invalid BDAT chunk size")
        }
        let target = destination(of: parsed, replies)
        let message: ChunkedSpool<Agent.Spool, Agent.Resolved>?
        if case .message(let receiving) = target { message = receiving } else { message = nil }

        isReceivingMessage = true
        defer { isReceivingMessage = false }
        let end: ChunkReader.End
        do {
            end = try ChunkReader.read(size, from: connection.input, buffer: connection.buffer,
                                       replies: replies, into: message?.lines)
        } catch {
            endTransaction()
            logger.notice("connection lost during BDAT, message discarded", metadata: ["error": "\(error)"])
            return streamFailed(error, connection)
        }
        guard end == .complete else {
            endTransaction()
            logger.notice("client closed the connection during BDAT, message discarded")
            return .clientClosed
        }
        if case .refused(let lines) = target { replies.send(lines) }
        guard let message, let parsed else { return nil }
        guard parsed.last else {
            replies.send(Reply.chunkReceived(size))
            return nil
        }
        message.lines.finish()
        chunks = .none
        replies.send(finish(message.spool, sink: message.sink, messageError: message.lines.messageError,
                            headers: message.headers, recipients: message.recipients))
        endTransaction()
        return nil
    }

    /// Where a chunk's octets go.
    private enum ChunkTarget {
        case message(ChunkedSpool<Agent.Spool, Agent.Resolved>)
        /// Read and dropped; these lines answer the chunk.
        case refused([String])
        /// Read and dropped; the chunk is answered already (no spool could be opened).
        case answered
    }

    /// The message this chunk belongs to (its spool is opened at the first chunk), or why the
    /// chunk is not taken.
    private func destination(of command: ChunkCommand?, _ replies: ReplyWriter) -> ChunkTarget {
        guard command != nil else { return .refused([Reply.unrecognizedParameters]) }
        guard let mail = transaction.mail else {
            return .refused([authenticated ? Reply.needMail : Reply.authenticationRequired(soft: settings.softNoAuth)])
        }
        if case .receiving(let message) = chunks { return .message(message) }
        let recipients = transaction.recipients
        guard !recipients.isEmpty else { return .refused([Reply.noRecipients]) }
        // On failure openMessage answers and ends the transaction: chunks already on their
        // way are then refused for want of MAIL.
        guard let (spool, sink, headers) = openMessage(recipients, replies) else { return .answered }
        transaction.noteChunk()
        let message = ChunkedSpool(spool: spool, recipients: recipients, sink: sink, headers: headers,
                                   binaryBody: mail.body == .binaryMIME)
        chunks = .receiving(message)
        return .message(message)
    }
}
