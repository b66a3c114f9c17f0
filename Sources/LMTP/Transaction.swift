/// The state of one mail transaction: MAIL, then RCPTs, then DATA. Reset by RSET and after
/// every DATA (without a new session id).
struct Transaction<Resolved> {
    /// The accepted MAIL, or nil before MAIL.
    private(set) var mail: MailRequest?
    /// Accepted recipients, in RCPT order, with what the agent resolved for each.
    private(set) var recipients: [AcceptedRecipient<Resolved>] = []

    /// A BDAT chunk was accepted in this transaction (DATA is then refused, RFC 3030).
    private(set) var usedChunking = false

    var hasSender: Bool { mail != nil }

    mutating func start(_ request: MailRequest) {
        mail = request
        recipients = []
        usedChunking = false
    }

    mutating func noteChunk() {
        usedChunking = true
    }

    mutating func add(_ recipient: AcceptedRecipient<Resolved>) {
        recipients.append(recipient)
    }

    mutating func reset() {
        mail = nil
        recipients = []
        usedChunking = false
    }

    /// The envelope handed to the agent.
    func envelope(sessionID: String, messageID: String?, date: String?) -> Envelope {
        Envelope(
            sender: mail?.sender ?? "",
            authorizedIdentity: mail?.authorizedIdentity,
            internationalized: mail?.smtputf8 ?? false,
            binaryBody: mail?.body == .binaryMIME,
            sessionID: sessionID,
            messageID: messageID,
            date: date
        )
    }
}
