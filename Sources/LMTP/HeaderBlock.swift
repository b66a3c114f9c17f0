/// The header lines the engine writes in front of every stored message (LF line ends):
///
///     Return-Path: <sender>
///     Delivered-To: <recipient>                       (only with `deliveredTo`)
///     Received: from <lhlo name> (<client>)
///     \t(authenticated user=<AUTH= identity> bits=<ssf>) (only with AUTH=)
///     \tby <servername> (<product> <version>) with LMTPA id <session id>;
///     \t<date>
///     X-Cyrus-Session-Id: <session id>                (only with `sessionIDHeader`)
///
/// The `by` clause over TLS (`with LMTPS`/`LMTPSA`, RFC 3848, with Cyrus's comment on the TLS layer):
///
///     \tby <servername> (<product> <version>) with LMTPSA
///     \t(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256 verify=NO) id <session id>;
///     \t<date>
///
/// `<sender>` gets `@<servername>` when it has no domain; the null sender stays `<>`. The
/// `(<product> <version>)` part appears only with `serverinfo: on`; `A` marks a pre-authenticated
/// session, `UTF8` in front of an SMTPUTF8 transaction (`UTF8LMTP`, `UTF8LMTPSA`, RFC 6531). The
/// `id` clause (RFC 5321 §4.4) names the LMTP session. `Delivered-To:` is placed
/// and written as Dovecot's LMTP does (the RCPT address, no brackets, above `Received:`); the
/// session id line as Cyrus's (no brackets, right after `Received:`).
struct HeaderBlock {
    var sender: String
    var senderHasDomain: Bool
    var authorizedIdentity: String?
    /// The LHLO argument (nil or empty when the client sent none).
    var lhloName: String?
    var client: ClientInfo
    var authenticated: Bool
    /// `SMTPUTF8` on MAIL FROM: the protocol is `UTF8LMTP` (RFC 6531 section 3.7.3).
    var internationalized = false
    var sessionID: String
    var date: LocalTime
    var settings: LMTPSettings
    /// The recipient named in `Delivered-To:`, or nil for none (see `deliveredTo(for:)`).
    var deliveredTo: String? = nil
    /// The TLS layer's description when the session runs over TLS, else nil.
    var tlsComment: String? = nil
    /// The SSF of the SASL layer, shown as `bits=` beside the AUTH= identity (Cyrus's
    /// `SASL_SSF`; 0 here, as no SASL layer is ever negotiated).
    var authSecurityStrength = 0

    /// What is used in `from` when the client gave no LHLO name.
    static let unknownClientName = "unknown"

    var text: String {
        var returnPath = sender
        if !sender.isEmpty && !senderHasDomain { returnPath += "@\(settings.servername)" }
        let name = lhloName.flatMap { $0.isEmpty ? nil : $0 } ?? Self.unknownClientName
        var lines = settings.addReturnPath ? "Return-Path: <\(returnPath)>\n" : ""
        if let deliveredTo {
            let value = internationalized ? HeaderText.sanitizedUTF8(deliveredTo) : HeaderText.sanitized(deliveredTo)
            lines += "Delivered-To: \(value)\n"
        }
        lines += "Received: from \(name) (\(client.receivedDescription))\n"
        if let identity = authorizedIdentity {
            // Inside a comment: parentheses and backslashes would end or escape it.
            let safe = HeaderText.sanitized(identity).map { "()\\".contains($0) ? "?" : $0 }
            lines += "\t(authenticated user=\(String(safe)) bits=\(authSecurityStrength))\n"
        }
        lines += "\tby \(settings.servername)"
        if settings.serverInfo == .on {
            lines += " (\(settings.product) \(settings.version))"
        }
        lines += " with \(internationalized ? "UTF8" : "")LMTP\(tlsComment != nil ? "S" : "")\(authenticated ? "A" : "")"
        if let tlsComment {
            let safe = HeaderText.sanitized(tlsComment).map { "()\\".contains($0) ? "?" : $0 }
            lines += "\n\t(\(String(safe)))"
        }
        lines += " id \(sessionID);\n"
        lines += "\t\(date.rfc5322)\n"
        if settings.sessionIDHeader { lines += "X-Cyrus-Session-Id: \(sessionID)\n" }
        return lines
    }

    /// Whom `Delivered-To:` names for a transaction: the one recipient's address when the
    /// option is on and there is exactly one recipient, else nobody. The stored file is shared by
    /// all recipients (hard links), so a per-recipient header cannot be in it; Dovecot's LMTP
    /// likewise adds `Delivered-To:` only when a transaction has a single recipient.
    static func deliveredTo(for recipients: [Recipient], settings: LMTPSettings) -> String? {
        guard settings.deliveredTo, recipients.count == 1 else { return nil }
        return recipients[0].address
    }
}
