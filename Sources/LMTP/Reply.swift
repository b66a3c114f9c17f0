/// Every reply the engine sends, in one place. The texts are Cyrus lmtpd 3.6.1's (interface
/// facts, see docs/cyrus-compatibility.md §5), plus the few this engine adds
/// (`Line too long`, one `552 5.2.3` per recipient; §6 lists them). Each string is one line
/// without CRLF.
enum Reply {
    // MARK: connection

    static func greeting(_ settings: LMTPSettings) -> String {
        switch settings.serverInfo {
        case .on:
            return "220 \(settings.servername) \(settings.product) LMTP \(settings.version) server ready"
        case .min, .off:
            return "220 \(settings.servername) server ready"
        }
    }

    /// The LHLO answer, capabilities in Cyrus's order (`STARTTLS` after `SIZE` when offered).
    static func lhlo(_ settings: LMTPSettings, sessionID: String, startTLS: Bool = false, auth: [String] = []) -> [String] {
        var lines = [
            "250-\(settings.servername)",
            "250-8BITMIME",
            "250-ENHANCEDSTATUSCODES",
            "250-PIPELINING",
            settings.maxMessageSize > 0 ? "250-SIZE \(settings.maxMessageSize)" : "250-SIZE",
        ]
        if startTLS { lines.append("250-STARTTLS") }
        for capability in auth { lines.append("250-\(capability)") }
        lines += ["250-SMTPUTF8", "250-CHUNKING"] + (settings.binaryMIME ? ["250-BINARYMIME"] : [])
        for capability in settings.extraCapabilities {
            lines.append("250-\(HeaderText.sanitized(capability))")
        }
        lines.append("250-IGNOREQUOTA")
        lines.append("250 Ok SESSIONID=<\(sessionID)>")
        return lines
    }

    static let idleTimeout = "421 4.4.1 bye idle for too long"
    static let interrupted = "421 4.4.1 bye Interrupted system call"
    /// Ours: the process was asked to stop (Cyrus drops the connection without a reply).
    static let shuttingDown = "421 4.3.2 bye server shutting down"
    static func streamFailure(_ text: String) -> String { "421 4.4.1 bye \(clean(text))" }

    // MARK: simple commands

    static let syntaxError = "500 5.5.2 Syntax error"
    static let lineTooLong = "500 5.5.2 Line too long"
    static let noop = "250 2.0.0 ok"
    static func rset(sessionID: String) -> String { "250 2.0.0 Ok SESSIONID=<\(sessionID)>" }
    static let quit = "221 2.0.0 bye"
    static let vrfy = "252 2.3.3 try RCPT to attempt delivery"

    // MARK: STARTTLS

    static let beginTLS = "220 Begin TLS negotiation now"
    static let startTLSAlreadyDone = "454 4.3.3 Already successfully executed STARTTLS"
    static let startTLSNotNow = "503 5.5.0 STARTTLS not permitted now"
    static let tlsInitializationFailed = "454 4.3.3 Error initializing TLS"
    static let startTLSFailed = "454 4.3.3 STARTTLS failed"

    // MARK: AUTH (Cyrus's texts; RFC 4954's where Cyrus 3.6.1 answers `501 5.5.4 undefined error!`)

    /// The LHLO capability (without `250-`).
    static func authCapability(_ mechanisms: [String]) -> String {
        "AUTH " + mechanisms.map { HeaderText.sanitized($0, limit: 20) }.joined(separator: " ")
    }
    static func authChallenge(_ base64: String) -> String { "334 \(base64)" }
    static let authenticated = "235 Authenticated!"
    static let alreadyAuthenticated = "503 5.5.0 already authenticated"
    static let authNotPermittedNow = "503 5.5.0 AUTH not permitted now"
    static let authCanceled = "501 5.5.4 client canceled authentication"
    static let unknownMechanism = "504 Unrecognized authentication type."
    static let authBadBase64 = "501 5.5.2 Cannot Base64-decode Client responses"
    static let authLineTooLong = "500 5.5.6 Authentication Exchange line is too long"
    static let tooManyAuthenticationFailures = "421 4.7.0 bye too many failed authentication attempts"

    static func authFailure(_ failure: AuthFailure) -> String {
        switch failure {
        case .unknownMechanism: return unknownMechanism
        case .invalidCredentials: return "535 5.7.8 Authentication credentials invalid"
        case .mechanismTooWeak: return "534 5.7.9 Authentication mechanism is too weak"
        case .encryptionRequired: return "538 5.7.11 Encryption required for requested authentication mechanism"
        case .temporary: return "454 4.7.0 Temporary authentication failure"
        }
    }

    // MARK: MAIL and RCPT

    static func authenticationRequired(soft: Bool) -> String {
        soft ? "430 Authentication required" : "530 Authentication required"
    }
    static let nestedMail = "503 5.5.1 Nested MAIL command"
    static let needMail = "503 5.5.1 Need MAIL command"
    static let mailAccepted = "250 2.1.0 ok"
    static let recipientAccepted = "250 2.1.5 ok"
    static let badParameters = "501 5.5.4 Syntax error in parameters"
    static let unrecognizedParameters = "501 5.5.4 Unrecognized parameters"
    static let unrecognizedBody = "501 5.5.4 Unrecognized BODY type"
    static let sizeRequiresValue = "501 5.5.2 SIZE requires a value"
    /// RFC 6531 section 3.7.4.2.
    static let needsSMTPUTF8 = "553 5.6.7 Non-ASCII address not permitted without SMTPUTF8"
    static let senderNotUTF8 = "553 5.1.7 Sender address is not valid UTF-8"
    static let recipientNotUTF8 = "553 5.1.3 Recipient address is not valid UTF-8"
    static func sizeParameterTooBig(max: Int) -> String {
        "552 5.2.3 Message SIZE exceeds fixed maximum message size (\(max))"
    }

    // MARK: DATA

    static let noRecipients = "503 5.5.1 No recipients"
    /// RFC 3030: a transaction uses DATA or BDAT, never both; BINARYMIME needs BDAT.
    static let dataAfterChunks = "503 5.5.1 DATA not allowed after BDAT"
    static let recipientAfterChunks = "503 5.5.1 RCPT not allowed after BDAT"
    static let binaryNeedsChunks = "503 5.5.1 BODY=BINARYMIME requires BDAT"
    static func chunkReceived(_ octets: Int) -> String { "250 2.0.0 \(octets) octets received" }
    /// The chunk's size cannot be read: where the next command starts is unknown.
    static let badChunkSize = "501 5.5.4 Invalid BDAT chunk size, closing connection"
    static let goAhead = "354 go ahead"
    static func delivered(sessionID: String) -> String { "250 2.1.5 Success SESSIONID=<\(sessionID)>" }
    static func messageTooBig(size: Int, max: Int) -> String {
        "552 5.2.3 Message size (\(size)) exceeds fixed maximum message size (\(max))"
    }

    static func rejected(_ error: MessageError) -> String {
        switch error {
        case .nul: return "554 5.6.0 Message contains NUL characters"
        case .invalidHeader: return "554 5.6.0 Message contains invalid header"
        case .nonASCIIHeader: return "554 5.6.0 Message contains non-ASCII characters in headers"
        }
    }

    /// The answer when no spool could be opened (before `354`).
    static func spoolUnavailable(_ failure: DeliveryFailure) -> String {
        switch failure {
        case .storageFull:
            return "451 4.3.1 cannot create temporary file: No space left on device"
        case .temporary(let text):
            return "451 4.3.2 cannot create temporary file: \(clean(text))"
        case .mailboxUnknown:
            return "451 4.3.2 cannot create temporary file: Mailbox does not exist"
        case .permissionDenied:
            return "451 4.3.2 cannot create temporary file: Permission denied"
        case .overQuota:
            return "451 4.3.2 cannot create temporary file: Over quota"
        case .deliveryDisabled:
            return "451 4.3.2 cannot create temporary file: Delivery to mailbox is disabled"
        case .rejected:
            return "451 4.3.2 cannot create temporary file: Rejected"
        case .relayed(let lines):
            return "451 4.3.2 cannot create temporary file: \(clean(lines.last ?? ""))"
        }
    }

    /// The (possibly multi-line) answer for a recipient that failed at RCPT or delivery.
    static func failure(_ failure: DeliveryFailure, sessionID: String, postmaster: String) -> [String] {
        switch failure {
        case .mailboxUnknown:
            return [
                "550-Mailbox unknown.  Either there is no mailbox associated with this",
                "550-name or you do not have authorization to see it.",
                "550 5.1.1 User unknown",
            ]
        case .permissionDenied:
            return [
                "550-You do not have permission to post a message to this mailbox.",
                "550-Please contact the owner of this mailbox in order to submit",
                "550-your message, or \(clean(postmaster)) if you believe you",
                "550-received this message in error.",
                "550 5.7.1 Permission denied",
            ]
        case .overQuota(let permanent):
            return [permanent ? "552 5.2.2 Over quota SESSIONID=<\(sessionID)>"
                              : "452 4.2.2 Over quota SESSIONID=<\(sessionID)>"]
        case .storageFull:
            return ["451 4.3.1 mail system storage has been exceeded"]
        case .deliveryDisabled:
            return ["451 4.2.1 Delivery to mailbox is disabled"]
        case .temporary(let text):
            return ["451 4.3.0 \(clean(text))"]
        case .rejected(let reason):
            return rejection(reason)
        case .relayed(let lines):
            return lines.map(clean)
        }
    }

    /// A filter's refusal: `550 5.7.1 <reason>`, a multi-line reason as `550-5.7.1` lines (each
    /// cleaned to printable ASCII, at most 20 lines).
    static func rejection(_ reason: String) -> [String] {
        var lines = reason.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { HeaderText.sanitized(String($0), limit: 400) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        if lines.isEmpty { lines = ["Message rejected"] }
        lines = Array(lines.prefix(20))
        return lines.enumerated().map { index, line in
            (index == lines.count - 1 ? "550 5.7.1 " : "550-5.7.1 ") + line
        }
    }

    /// Reply text from elsewhere (an agent, an error): one line of printable ASCII, bounded.
    static func clean(_ text: String) -> String {
        let cleaned = HeaderText.sanitized(text, limit: 400)
        return cleaned.isEmpty ? "System I/O error" : cleaned
    }
}
