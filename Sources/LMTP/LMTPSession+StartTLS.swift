import Logging

/// STARTTLS (RFC 3207) with Cyrus lmtpd's replies. Only a session that is not pre-authenticated
/// and has a `TLSUpgrader` (TLS configured) knows the command; for everyone else it is a
/// syntax error, as in Cyrus.
///
/// Whatever the client sent after the STARTTLS line and before the handshake is discarded
/// unread (the STARTTLS command-injection lesson, CVE-2011-0411), like Cyrus's `prot_flush(pin)`
/// (Cyrus also drops it when it refuses STARTTLS; we keep it then: the session goes on in
/// plain text, so nothing can be injected, and a pipelining client keeps its replies).
/// After the handshake the session forgets everything it learnt in plain text (RFC 3207 §4.2):
/// LHLO name, transaction and authentication; the client must send LHLO again. The session id
/// stays (Cyrus makes a new one only at LHLO and RSET). A verified client certificate counts
/// as authenticated, as Cyrus's `TLSCERT_AUTHED`.
extension LMTPSession {
    /// Whether LHLO lists STARTTLS: TLS available, not yet started, and the session not
    /// authenticated (Cyrus: `authenticated == NOAUTH`, so never for pre-authenticated ones).
    var offersStartTLS: Bool {
        guard let tlsUpgrader, tlsUpgrader.isAvailable else { return false }
        return !tlsActive && !authenticated
    }

    /// Answers STARTTLS. Returns how the session ends when the handshake failed (the stream is
    /// then unusable: `454 4.3.3 STARTTLS failed` is sent in plain text and the connection
    /// closed) or the `220` could not be written.
    func startTLS(_ connection: Connection) -> SessionEnd? {
        let replies = connection.replies
        guard let upgrader = tlsUpgrader, !settings.preauthenticated else {
            replies.send(Reply.syntaxError)
            return nil
        }
        if tlsActive {
            replies.send(Reply.startTLSAlreadyDone)
            return nil
        }
        if !transaction.recipients.isEmpty {
            replies.send(Reply.startTLSNotNow)
            return nil
        }
        let prepared = upgrader.isAvailable
            ? upgrader.prepare() : .failure(TLSFailure("no usable TLS configuration"))
        if case .failure(let failure) = prepared {
            logger.error("error initializing TLS", metadata: ["reason": "\(failure)"])
            replies.send(Reply.tlsInitializationFailed)
            return nil
        }
        discardPipelinedInput(connection)
        replies.send(Reply.beginTLS)
        do { try replies.flush() } catch { return .failed(text(error)) }

        switch upgrader.upgrade() {
        case .failure(let failure):
            metrics.startTLS(succeeded: false)
            logger.notice("STARTTLS failed: \(client.receivedDescription)", metadata: ["reason": "\(failure)"])
            replies.send(Reply.startTLSFailed)
            replies.flushQuietly()
            return .failed("STARTTLS failed: \(failure)")
        case .success(let upgrade):
            metrics.startTLS(succeeded: true)
            connection.switchStreams(input: upgrade.input, output: upgrade.output)
            resetAfterTLS(upgrade)
            logger.notice("\(upgrade.logLine)")
            return nil
        }
    }

    /// Drops every byte read after the STARTTLS line (they arrived in plain text).
    private func discardPipelinedInput(_ connection: Connection) {
        let count = connection.buffer.count
        guard count > 0 else { return }
        connection.buffer.consumeAll()
        logger.notice("discarded \(count) bytes sent after STARTTLS before the TLS handshake")
    }

    /// RFC 3207 §4.2: the session starts over, except for the TLS layer and the session id.
    /// (AUTH's own state is reset by `noteSecurityLayerForAuth`, called after this.)
    private func resetAfterTLS(_ upgrade: TLSUpgrade) {
        tlsActive = true
        tlsReceivedComment = upgrade.receivedComment
        tlsPeerIdentity = upgrade.peerIdentity
        lhloName = nil
        endTransaction()
        authenticated = upgrade.peerIdentity != nil
    }
}
