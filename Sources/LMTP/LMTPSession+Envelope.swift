import Logging

/// MAIL and RCPT.
extension LMTPSession {
    /// Answers a line starting with `M`; `arguments` is what follows `MAIL `, or nil.
    func mail(_ arguments: [UInt8]?) -> [String] {
        guard authenticated else { return [Reply.authenticationRequired(soft: settings.softNoAuth)] }
        guard let arguments else { return [Reply.syntaxError] }
        guard !transaction.hasSender else { return [Reply.nestedMail] }
        switch EnvelopeCommands.parseMail(arguments, settings: settings) {
        case .failure(let reply):
            logger.debug("MAIL refused", metadata: ["reply": "\(reply.text)"])
            return [reply.text]
        case .success(let request):
            transaction.start(request)
            agent.mailAccepted(transaction.envelope(sessionID: sessionID, messageID: nil, date: nil))
            return [Reply.mailAccepted]
        }
    }

    /// Answers what follows `RCPT `.
    func recipient(_ arguments: [UInt8]) -> [String] {
        guard let mail = transaction.mail else { return [Reply.needMail] }
        // The message has begun arriving: its spool and header block were made for the
        // recipients known then.
        if case .receiving = chunks { return [Reply.recipientAfterChunks] }
        switch EnvelopeCommands.parseRecipient(arguments, internationalized: mail.smtputf8, settings: settings) {
        case .failure(let reply):
            logger.info("RCPT refused", metadata: ["reply": "\(reply.text)"])
            return [reply.text]
        case .success(.nullPath):
            logger.info("RCPT refused: null path")
            return failureReply(.mailboxUnknown)
        case .success(.recipient(let recipient)):
            switch agent.verify(recipient, sizeHint: mail.size) {
            case .success(let resolved):
                transaction.add(AcceptedRecipient(recipient, resolved: resolved))
                return [Reply.recipientAccepted]
            case .failure(let failure):
                let reply = failureReply(failure)
                logOutcome(recipient, status: failure.status, mailboxes: [], reply: reply,
                           message: nil, detail: "\(failure)")
                return reply
            }
        }
    }

    /// Logs one recipient's outcome as its ``DeliveryLogLine`` (info for a success, notice for a
    /// refusal, warning for a temporary failure); `message` is nil at RCPT, when there is no
    /// message yet. `detail` (the failure as the agent saw it) is added as metadata.
    func logOutcome(_ recipient: Recipient, status: DeliveryStatus, mailboxes: [String], reply: [String],
                    message: (id: String?, size: Int, ended: Double)?, detail: String? = nil) {
        let line = DeliveryLogLine(
            session: sessionID, messageID: message?.id, sender: transaction.mail?.sender ?? "",
            recipient: recipient.address, mailboxes: mailboxes.isEmpty ? [recipient.user] : mailboxes,
            size: message?.size, status: status, reply: reply,
            delay: message.map { clock.elapsedSeconds() - $0.ended })
        metrics.recipient(status)
        let metadata: Logger.Metadata? = detail.map { ["failure": "\($0)"] }
        switch status {
        case .delivered, .duplicate, .discarded: logger.info("\(line.text)", metadata: metadata)
        case .temporaryFailure: logger.warning("\(line.text)", metadata: metadata)
        case .overQuota, .unknownUser, .rejected: logger.notice("\(line.text)", metadata: metadata)
        }
    }

    func failureReply(_ failure: DeliveryFailure) -> [String] {
        Reply.failure(failure, sessionID: sessionID, postmaster: settings.postmaster)
    }
}
