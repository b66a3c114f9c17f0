import Logging

/// DATA: spool, read, check, deliver, one reply per recipient.
extension LMTPSession {
    /// Runs a DATA command. Returns how the session ends if the connection is lost.
    func data(_ connection: Connection) -> SessionEnd? {
        let replies = connection.replies
        let recipients = transaction.recipients
        guard !transaction.usedChunking else {
            replies.send(Reply.dataAfterChunks)
            return nil
        }
        guard transaction.mail?.body != .binaryMIME else {
            replies.send(Reply.binaryNeedsChunks)
            return nil
        }
        guard !recipients.isEmpty else {
            replies.send(Reply.noRecipients)
            return nil
        }
        guard let (spool, sink, headers) = openMessage(recipients, replies) else { return nil }
        replies.send(Reply.goAhead)
        do {
            try replies.flush()
        } catch {
            agent.discard(spool)
            return .failed(text(error))
        }

        let reader = DataReader(buffer: connection.buffer, lines: MessageLines(sink: sink, headers: headers))
        let end: DataReader.End
        isReceivingMessage = true
        defer { isReceivingMessage = false }
        do {
            end = try reader.read(from: connection.input)
        } catch {
            agent.discard(spool)
            logger.notice("connection lost during DATA, message discarded", metadata: ["error": "\(error)"])
            return streamFailed(error, connection)
        }
        guard end == .complete else {
            agent.discard(spool)
            logger.notice("client closed the connection during DATA, message discarded")
            return .clientClosed
        }
        replies.send(finish(spool, sink: sink, messageError: reader.lines.messageError, headers: headers, recipients: recipients))
        endTransaction()
        return nil
    }

    /// A spool for the transaction's message, with the engine's header lines already in it, and
    /// the inspector for the client's header block; nil (the failure answered, the transaction
    /// ended) when no spool can be opened.
    func openMessage(_ recipients: [AcceptedRecipient<Agent.Resolved>],
                     _ replies: ReplyWriter) -> (Agent.Spool, SpoolWriter, HeaderInspector)? {
        let spool: Agent.Spool
        do {
            spool = try agent.openSpool(for: recipients)
        } catch {
            logger.warning("cannot open spool", metadata: ["failure": "\(error)"])
            replies.send(Reply.spoolUnavailable(error))
            endTransaction()
            return nil
        }
        let sink = SpoolWriter(spool: spool, limit: settings.maxMessageSize)
        let now = clock.now()
        sink.append(headerBlock(at: now, recipients: recipients.map { $0.recipient }).text)
        // RFC 6532: with SMTPUTF8 the header fields are UTF-8, stored as they came.
        let utf8 = transaction.mail?.smtputf8 ?? false
        let headers = HeaderInspector(munge8bit: settings.munge8bit && !utf8, reject8bit: settings.reject8bit && !utf8,
                                      missing: missingHeaders(at: now))
        return (spool, sink, headers)
    }

    /// Decides and delivers after the message's end; returns the replies, one per recipient,
    /// and logs each recipient's outcome (``DeliveryLogLine``).
    func finish(_ spool: Agent.Spool, sink: SpoolWriter, messageError: MessageError?,
                headers: HeaderInspector, recipients: [AcceptedRecipient<Agent.Resolved>]) -> [String] {
        let ended = clock.elapsedSeconds()
        let messageID = headers.messageID.map { String(decoding: $0, as: UTF8.self) }
        let logID = messageID ?? "<none>"
        let message = (id: messageID, size: sink.size, ended: ended)
        metrics.messageReceived(size: sink.size, recipients: recipients.count)
        defer { metrics.deliveryLatency(clock.elapsedSeconds() - ended) }
        /// Every recipient gets `reply`, with `status`.
        func refuseAll(_ reply: [String], _ status: DeliveryStatus) -> [String] {
            agent.discard(spool)
            for accepted in recipients {
                logOutcome(accepted.recipient, status: status, mailboxes: [], reply: reply, message: message)
            }
            return recipients.flatMap { _ in reply }
        }
        if let error = messageError {
            logger.notice("message refused", metadata: ["message-id": "\(logID)", "reason": "\(error)"])
            return refuseAll([Reply.rejected(error)], .rejected)
        }
        if sink.tooBig {
            logger.notice("message refused: too big", metadata: [
                "message-id": "\(logID)", "size": "\(sink.size)", "limit": "\(sink.limit)",
            ])
            return refuseAll([Reply.messageTooBig(size: sink.size, max: sink.limit)], .rejected)
        }
        if let failure = sink.failure {
            logger.error("spool write failed, message discarded", metadata: ["failure": "\(failure)"])
            return refuseAll(failureReply(failure), failure.status)
        }
        let envelope = transaction.envelope(
            sessionID: sessionID, messageID: messageID,
            date: headers.date.map { String(decoding: $0, as: UTF8.self) })
        let results = agent.deliver(spool, envelope: envelope, to: recipients)
        var lines: [String] = []
        for index in recipients.indices {
            let recipient = recipients[index].recipient
            let result = index < results.count
                ? results[index] : .failure(.temporary("no delivery result for this recipient"))
            switch result {
            case .success(let receipt):
                let reply = Reply.delivered(sessionID: sessionID)
                logOutcome(recipient, status: receipt.status, mailboxes: receipt.mailboxes, reply: [reply], message: message)
                lines.append(reply)
            case .failure(let failure):
                let reply = failureReply(failure)
                logOutcome(recipient, status: failure.status, mailboxes: [], reply: reply, message: message,
                           detail: "\(failure)")
                lines.append(contentsOf: reply)
            }
        }
        return lines
    }

    /// What is added when the message lacks it: both values are made at the moment of DATA
    /// (the `Received:` date), the Message-ID only if it is needed.
    private func missingHeaders(at now: LocalTime) -> MissingHeaders {
        var missing = MissingHeaders()
        if settings.addMissingMessageID {
            let (generator, servername) = (messageIDs, settings.servername)
            missing.messageID = { generator.next(unixTime: now.unixTime, servername: servername) }
        }
        if settings.addMissingDate {
            missing.date = { now.rfc5322 }
        }
        return missing
    }

    private func headerBlock(at now: LocalTime, recipients: [Recipient]) -> HeaderBlock {
        HeaderBlock(
            sender: transaction.mail?.sender ?? "",
            senderHasDomain: transaction.mail?.senderHasDomain ?? false,
            authorizedIdentity: transaction.mail?.authorizedIdentity,
            lhloName: lhloName,
            client: client,
            authenticated: authenticated,
            internationalized: transaction.mail?.smtputf8 ?? false,
            sessionID: sessionID,
            date: now,
            settings: settings,
            deliveredTo: HeaderBlock.deliveredTo(for: recipients, settings: settings),
            tlsComment: tlsActive ? tlsReceivedComment : nil,
            authSecurityStrength: authState.securityStrength
        )
    }
}
