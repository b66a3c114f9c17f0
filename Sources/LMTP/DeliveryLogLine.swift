/// The log line lmtpd writes for every recipient outcome, at RCPT (a refused recipient) or
/// after the message (stored, a duplicate, discarded, refused): `key=value` pairs in a fixed
/// order, so that one `grep` answers "where did this message go":
///
///     session=<id> msgid=<...> from=<sender> rcpt=<address> mailbox=<user[/folder]> size=<n> status=<status> reply="<reply>" delay=<s>
///
/// `msgid`, `size` and `delay` are `-` for a recipient refused at RCPT (there is no message
/// yet); `mailbox` lists the stored mailboxes comma-separated, or names the recipient's user
/// when nothing was stored. `delay` is the seconds from the end of the message to its replies.
/// A value is written bare when it holds no space, quote, backslash, `=` or control character,
/// otherwise quoted with `\"`, `\\`, `\n`, `\r`, `\t` and `\xNN` escapes; `reply` is always
/// quoted (a multi-line reply's lines are joined by `\n`).
public struct DeliveryLogLine: Sendable, Equatable {
    public var session: String
    public var messageID: String?
    public var sender: String
    public var recipient: String
    public var mailboxes: [String]
    public var size: Int?
    public var status: DeliveryStatus
    public var reply: [String]
    public var delay: Double?

    public init(session: String, messageID: String?, sender: String, recipient: String, mailboxes: [String],
                size: Int?, status: DeliveryStatus, reply: [String], delay: Double?) {
        self.session = session
        self.messageID = messageID
        self.sender = sender
        self.recipient = recipient
        self.mailboxes = mailboxes
        self.size = size
        self.status = status
        self.reply = reply
        self.delay = delay
    }

    /// The line.
    public var text: String {
        var line = "session=" + Self.value(session)
        line += " msgid=" + (messageID.map(Self.value) ?? "-")
        line += " from=" + Self.value("<" + sender + ">")
        line += " rcpt=" + Self.value("<" + recipient + ">")
        line += " mailbox=" + (mailboxes.isEmpty ? "-" : Self.value(mailboxes.joined(separator: ",")))
        line += " size=" + (size.map { String($0) } ?? "-")
        line += " status=" + status.rawValue
        line += " reply=" + Self.quoted(reply.joined(separator: "\n"))
        line += " delay=" + (delay.map(Self.seconds) ?? "-")
        return line
    }

    /// `text` bare when it is safe to split on spaces and `=`, else quoted.
    static func value(_ text: String) -> String {
        let safe = !text.isEmpty && text.utf8.allSatisfy { byte in
            byte > 0x20 && byte != 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "=")
        }
        return safe ? text : quoted(text)
    }

    /// `text` in double quotes with `\"`, `\\`, `\n`, `\r`, `\t` and `\xNN` (other control bytes).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Seconds with millisecond precision (`0.004`).
    static func seconds(_ value: Double) -> String {
        let milliseconds = Int((max(0, value) * 1000).rounded())
        let fraction = milliseconds % 1000
        return "\(milliseconds / 1000)." + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + "\(fraction)"
    }
}
