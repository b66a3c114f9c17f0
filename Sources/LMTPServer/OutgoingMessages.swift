import LMTP

/// The messages a Sieve script makes lmtpd send, built as the RFCs say: a vacation reply
/// (RFC 5230 §5), a refusal notice for `reject` when the LMTP client cannot be told (an
/// RFC 3798 disposition notification, RFC 5429 §2.1), and a redirect (RFC 5228 §4.2: the
/// message as received, with its original return path).
enum OutgoingMessages {
    /// What is known of the message being answered.
    struct Original {
        /// The envelope sender (empty for `<>`).
        var sender: String
        /// The recipient the script runs for.
        var recipient: String
        var messageID: String?
        var references: String?
        var subject: String?
        /// The stored message (starting with lmtpd's `Return-Path:` and `Received:`).
        var bytes: [UInt8]
    }

    /// A vacation reply, from `<>` to the original sender.
    static func vacation(to original: Original, from: String?, subject: String?, body: String, mime: Bool,
                         date: String, messageID: String) -> OutgoingMessage {
        var header: [String] = [
            "Date: \(date)",
            "From: \(clean(from ?? original.recipient))",
            "To: <\(clean(original.sender))>",
            "Subject: \(encodedWord(subject ?? "Auto: " + (original.subject ?? "")))",
            "Message-ID: \(messageID)",
        ]
        if let id = original.messageID {
            header.append("In-Reply-To: \(clean(id))")
            header.append("References: \(clean([original.references, id].compactMap { $0 }.joined(separator: " ")))")
        }
        header.append("Auto-Submitted: auto-replied (vacation)")
        header.append("MIME-Version: 1.0")
        var text = header.joined(separator: "\n") + "\n"
        if mime {
            text += body.hasSuffix("\n") ? body : body + "\n"
        } else {
            text += "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
            text += body.hasSuffix("\n") ? body : body + "\n"
        }
        return OutgoingMessage(sender: "", recipients: [original.sender], bytes: Array(text.utf8))
    }

    /// A refusal notice to the original sender, from `<>`: the reason, the disposition, and
    /// the refused message's header.
    static func refusalNotice(to original: Original, reason: String, reportingHost: String,
                              date: String, messageID: String) -> OutgoingMessage {
        let boundary = "=_refusal_" + String(messageID.utf8.reduce(UInt64(5381)) { ($0 &* 33) ^ UInt64($1) }, radix: 36)
        let headerOfOriginal = String(decoding: header(of: withoutReturnPath(original.bytes)), as: UTF8.self)
        var text = """
            Date: \(date)
            From: Mail Delivery Subsystem <MAILER-DAEMON@\(clean(reportingHost))>
            To: <\(clean(original.sender))>
            Subject: Message rejected: \(encodedWord(original.subject ?? "(no subject)"))
            Message-ID: \(messageID)
            Auto-Submitted: auto-replied (rejected)
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=disposition-notification; boundary="\(boundary)"

            --\(boundary)
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            Your message to \(clean(original.recipient)) was rejected by the recipient:

            \(reason)

            --\(boundary)
            Content-Type: message/disposition-notification

            Reporting-UA: \(clean(reportingHost)); CyrusDelivery lmtpd
            Final-Recipient: rfc822; \(clean(original.recipient))

            """
        if let id = original.messageID { text += "Original-Message-ID: \(clean(id))\n" }
        text += "Disposition: automatic-action/MDN-sent-automatically; deleted\n\n"
        text += "--\(boundary)\nContent-Type: text/rfc822-headers\n\n\(headerOfOriginal)\n\n--\(boundary)--\n"
        return OutgoingMessage(sender: "", recipients: [original.sender], bytes: Array(text.utf8))
    }

    /// The message sent on to `address`, as received (lmtpd's own `Return-Path:` removed),
    /// with the original envelope sender.
    static func redirect(_ original: Original, to address: String) -> OutgoingMessage {
        OutgoingMessage(sender: original.sender, recipients: [address], bytes: Array(withoutReturnPath(original.bytes)))
    }

    /// The message without a leading `Return-Path:` field (the one lmtpd wrote).
    static func withoutReturnPath(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        let prefix = Array("Return-Path:".utf8)
        guard bytes.count >= prefix.count, bytes[0..<prefix.count].elementsEqual(prefix),
              let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return bytes[...] }
        return bytes[(newline + 1)...]
    }

    /// The header of a message (up to the empty line), without its final newline.
    static func header(of bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else { return bytes }
            if newline == index { return bytes[bytes.startIndex..<max(bytes.startIndex, index - 1)] }
            index = newline + 1
        }
        return bytes
    }

    /// A header value on one line: CR, LF and other controls become spaces.
    static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? " " : $0 }))
    }

    /// RFC 2047: ASCII text as is; anything else as one or more `=?utf-8?B?...?=` words.
    static func encodedWord(_ text: String) -> String {
        let line = clean(text)
        guard !line.unicodeScalars.allSatisfy(\.isASCII) else { return line }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in line {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 { words.append(word(chunk)); chunk = [] }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(word(chunk)) }
        return words.joined(separator: " ")
    }

    private static func word(_ bytes: [UInt8]) -> String {
        "=?utf-8?B?" + Base64.encode(bytes) + "?="
    }
}
