import Logging

/// What AUTH has established on the current connection (reset by `run`).
struct AuthState {
    /// The identity a successful AUTH proved; nil before (pre-authenticated sessions too).
    var identity: String?
    /// The SSF of the SASL layer AUTH negotiated (always 0: no layers are offered).
    var securityStrength = 0
    /// Failed attempts (`535`) so far.
    var failures = 0
    /// Whether the authenticator was told about the TLS layer.
    var securityLayerNoted = false
}

/// AUTH (RFC 4954), as Cyrus's lmtpd answers it: `AUTH <mechanism> [<initial response>]`,
/// `334 <base64>` challenges answered by one base64 line each, `*` cancels, `235` on success.
/// Allowed before LHLO and after MAIL (as in Cyrus), not once a recipient was accepted, not
/// twice. Replies Cyrus 3.6.1 gets wrong follow RFC 4954 instead (`535 5.7.8` for bad
/// credentials, `501 5.5.2` for bad base64, `500 5.5.6` for an overlong line).
extension LMTPSession {
    /// The longest line of an AUTH exchange, line end included (RFC 4954 §4: 12288 octets).
    static var authResponseLimit: Int { 12288 }

    /// The identity proved by AUTH on this connection, if any.
    public var authenticatedIdentity: String? { authState.identity }

    /// The LHLO capability lines for AUTH: none without an authenticator, after a successful
    /// AUTH, or when no mechanism is available.
    func authCapabilities() -> [String] {
        guard let authenticator, authState.identity == nil else { return [] }
        let mechanisms = authenticator.mechanisms()
        return mechanisms.isEmpty ? [] : [Reply.authCapability(mechanisms)]
    }

    /// Runs an AUTH command (`arguments`: what follows `AUTH `). Returns how the session ends
    /// if it must (the client left mid-exchange, or failed too often).
    func authenticate(_ arguments: [UInt8], _ connection: Connection) -> SessionEnd? {
        let replies = connection.replies
        guard let authenticator else {
            replies.send(Reply.syntaxError)
            return nil
        }
        guard authState.identity == nil else {
            replies.send(Reply.alreadyAuthenticated)
            return nil
        }
        guard transaction.recipients.isEmpty else {
            replies.send(Reply.authNotPermittedNow)
            return nil
        }
        let space = arguments.firstIndex(of: UInt8(ascii: " "))
        let name = arguments[..<(space ?? arguments.endIndex)]
        let mechanism = String(decoding: name, as: UTF8.self).uppercased()
        guard Self.isMechanismName(name) else {
            logger.info("AUTH refused: invalid mechanism name", metadata: ["mechanism": "\(HeaderText.sanitized(bytes: Array(name), limit: 40))"])
            replies.send(Reply.unknownMechanism)
            return nil
        }
        var initialResponse: [UInt8]?
        if let space {
            let text = arguments[(space + 1)...]
            if text.elementsEqual([UInt8(ascii: "=")]) {
                initialResponse = []
            } else if let decoded = Base64.decode(text) {
                initialResponse = decoded
            } else {
                replies.send(Reply.authBadBase64)
                return nil
            }
        }
        return exchange(authenticator, mechanism: mechanism,
                        first: authenticator.start(mechanism: mechanism, initialResponse: initialResponse), connection)
    }

    /// Challenges and answers until the authenticator decides.
    private func exchange(_ authenticator: any Authenticator, mechanism: String, first: AuthStep,
                          _ connection: Connection) -> SessionEnd? {
        let replies = connection.replies
        var step = first
        while true {
            switch step {
            case .challenge(let bytes):
                replies.send(Reply.authChallenge(Base64.encode(bytes)))
                switch nextAuthResponse(connection) {
                case .ended(let end):
                    authenticator.cancel()
                    logger.info("client left during AUTH", metadata: ["mechanism": "\(mechanism)"])
                    return end
                case .tooLong:
                    authenticator.cancel()
                    replies.send(Reply.authLineTooLong)
                    return nil
                case .line(let line):
                    if line == [UInt8(ascii: "*")] {
                        authenticator.cancel()
                        replies.send(Reply.authCanceled)
                        return nil
                    }
                    guard let response = Base64.decode(line) else {
                        authenticator.cancel()
                        replies.send(Reply.authBadBase64)
                        return nil
                    }
                    step = authenticator.step(response: response)
                }
            case .success(let identity, let strength):
                authState.identity = identity
                authState.securityStrength = strength
                authenticated = true
                metrics.authentication(succeeded: true)
                logger.notice("login: \(client.receivedDescription) \(HeaderText.sanitized(identity)) \(mechanism)\(tlsActive ? "+TLS" : "") User logged in")
                replies.send(Reply.authenticated)
                return nil
            case .failure(let failure, let detail):
                return failed(failure, detail: detail, mechanism: mechanism, authenticator, connection)
            }
        }
    }

    /// Answers a failed exchange; after too many bad credentials, ends the session.
    private func failed(_ failure: AuthFailure, detail: String, mechanism: String, _ authenticator: any Authenticator,
                        _ connection: Connection) -> SessionEnd? {
        let replies = connection.replies
        metrics.authentication(succeeded: false)
        guard failure == .invalidCredentials else {
            logger.info("AUTH failed", metadata: ["mechanism": "\(mechanism)", "failure": "\(failure)",
                                                  "detail": "\(HeaderText.sanitized(detail, limit: 200))"])
            replies.send(Reply.authFailure(failure))
            return nil
        }
        logger.notice("badlogin: \(client.receivedDescription) \(mechanism) \(HeaderText.sanitized(detail, limit: 200))")
        authState.failures += 1
        authenticator.pause(afterFailures: authState.failures)
        replies.send(Reply.authFailure(failure))
        guard authState.failures >= settings.maximumAuthenticationFailures else { return nil }
        logger.warning("too many failed AUTH attempts, closing", metadata: ["failures": "\(authState.failures)"])
        replies.send(Reply.tooManyAuthenticationFailures)
        replies.flushQuietly()
        return .tooManyAuthenticationFailures
    }

    /// After a successful STARTTLS: AUTH starts over (RFC 3207 §4.2: nothing learnt in plain
    /// text counts), and the authenticator learns the TLS strength and the client
    /// certificate's identity, which enable PLAIN/LOGIN and EXTERNAL.
    func noteSecurityLayerForAuth() {
        guard tlsActive, !authState.securityLayerNoted else { return }
        authState = AuthState()
        authState.securityLayerNoted = true
        authenticator?.securityLayerEstablished(ssf: Self.tlsStrength(tlsReceivedComment), authID: tlsPeerIdentity)
    }

    /// The cipher strength in the TLS comment (`... bits=256/256 ...`); 0 if not found.
    static func tlsStrength(_ comment: String?) -> Int {
        guard let comment, let range = comment.firstRange(of: "bits=") else { return 0 }
        return Int(comment[range.upperBound...].prefix { $0.isASCII && $0.isNumber }) ?? 0
    }

    /// A SASL mechanism name (RFC 4422 §3.1): 1 to 20 of `A-Z 0-9 - _` (any case here).
    static func isMechanismName(_ name: ArraySlice<UInt8>) -> Bool {
        (1...20).contains(name.count)
            && name.allSatisfy { Bytes.isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    // MARK: reading the client's answers

    private enum ResponseLine {
        case line([UInt8])
        case tooLong
        case ended(SessionEnd)
    }

    /// The client's next line without its line end (LF, then one CR removed), flushing the
    /// challenge first. A line over `authResponseLimit` is consumed up to its LF and reported.
    private func nextAuthResponse(_ connection: Connection) -> ResponseLine {
        let buffer = connection.buffer
        var discarding = false
        while true {
            if let lf = buffer.firstLF() {
                let start = buffer.start
                if discarding || lf - start + 1 > Self.authResponseLimit {
                    buffer.consume(upTo: lf + 1)
                    return .tooLong
                }
                var end = lf
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer.bytes(start, end))
                buffer.consume(upTo: lf + 1)
                return .line(line)
            }
            if buffer.count >= Self.authResponseLimit {
                discarding = true
                buffer.consumeAll()
            }
            if let end = waitForInput(connection) { return .ended(end) }
        }
    }
}
