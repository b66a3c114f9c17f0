import Logging

/// DATA: spool, read, check, deliver, one reply per recipient.
extension LMTPSession {
    /// Runs a DATA command. Returns how the session ends if the connection is lost.
    func data(_ connection: Connection) -> SessionEnd? {
        let replies = connection.replies
        let recipients = transaction.recipients
        guard !recipients.isEmpty else {
            replies.send(Reply.noRecipients)
            return nil
        }
        let spool: Agent.Spool
        do {
            spool = try agent.openSpool(for: recipients)
        } catch {
            logger.warning("cannot open spool", metadata: ["failure": "\(error)"])
            replies.send(Reply.spoolUnavailable(error))
            transaction.reset()
            return nil
        }
        replies.send(Reply.goAhead)
        do {
            try replies.flush()
        } catch {
            agent.discard(spool)
            return .failed(text(error))
        }

        let sink = SpoolWriter(spool: spool, limit: settings.maxMessageSize)
        let now = clock.now()
        sink.append(headerBlock(at: now, recipients: recipients.map(\.recipient)).text)
        let headers = HeaderInspector(munge8bit: settings.munge8bit, reject8bit: settings.reject8bit,
                                      missing: missingHeaders(at: now))
        let reader = DataReader(buffer: connection.buffer, sink: sink, headers: headers)
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
        replies.send(finish(spool, sink: sink, reader: reader, headers: headers, recipients: recipients))
        transaction.reset()
        return nil
    }

    /// Decides and delivers after the final dot; returns the replies, one per recipient.
    private func finish(_ spool: Agent.Spool, sink: SpoolWriter, reader: DataReader,
                        headers: HeaderInspector, recipients: [AcceptedRecipient<Agent.Resolved>]) -> [String] {
        let messageID = headers.messageID.map { String(decoding: $0, as: UTF8.self) }
        let logID = messageID ?? "<none>"
        if let error = reader.messageError {
            agent.discard(spool)
            logger.notice("message refused", metadata: ["message-id": "\(logID)", "reason": "\(error)"])
            return recipients.map { _ in Reply.rejected(error) }
        }
        if sink.tooBig {
            agent.discard(spool)
            logger.notice("message refused: too big", metadata: [
                "message-id": "\(logID)", "size": "\(sink.size)", "limit": "\(sink.limit)",
            ])
            return recipients.map { _ in Reply.messageTooBig(size: sink.size, max: sink.limit) }
        }
        if let failure = sink.failure {
            agent.discard(spool)
            logger.error("spool write failed, message discarded", metadata: ["failure": "\(failure)"])
            return recipients.flatMap { _ in failureReply(failure) }
        }
        let envelope = transaction.envelope(
            sessionID: sessionID, messageID: messageID,
            date: headers.date.map { String(decoding: $0, as: UTF8.self) })
        let results = agent.deliver(spool, envelope: envelope, to: recipients)
        var lines: [String] = []
        for (index, recipient) in recipients.lazy.map(\.recipient).enumerated() {
            let result = index < results.count
                ? results[index] : .failure(.temporary("no delivery result for this recipient"))
            let mailbox = recipient.detail.map { "\(recipient.user)+\($0)" } ?? recipient.user
            switch result {
            case .success:
                logger.info("Delivered: \(logID) to mailbox: \(mailbox)")
                lines.append(Reply.delivered(sessionID: sessionID))
            case .failure(let failure):
                logger.warning("Delivery failed: \(logID) to mailbox: \(mailbox): \(failure)")
                lines.append(contentsOf: failureReply(failure))
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
            sessionID: sessionID,
            date: now,
            settings: settings,
            deliveredTo: HeaderBlock.deliveredTo(for: recipients, settings: settings),
            tlsComment: tlsActive ? tlsReceivedComment : nil,
            authSecurityStrength: authState.securityStrength
        )
    }
}
