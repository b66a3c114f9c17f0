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
                logger.info("RCPT refused", metadata: [
                    "recipient": "\(recipient.address)", "failure": "\(failure)",
                ])
                return failureReply(failure)
            }
        }
    }

    func failureReply(_ failure: DeliveryFailure) -> [String] {
        Reply.failure(failure, sessionID: sessionID, postmaster: settings.postmaster)
    }
}
