/// Headers written at the end of a message's header block when the message has none of its own,
/// as Cyrus's `savemsg()` does (after the client's headers, Message-ID first): `Message-ID:`
/// (`addMissingMessageID`) and `Date:` (`addMissingDate`). The values are made only when needed.
struct MissingHeaders {
    /// Makes the `Message-ID:` value; nil: never add one.
    var messageID: (() -> String)?
    /// Makes the `Date:` value; nil: never add one.
    var date: (() -> String)?

    /// Nothing is ever added (both options off).
    var isEmpty: Bool { messageID == nil && date == nil }

    /// Writes the lines the message lacks (LF line ends).
    func write(hasMessageID: Bool, hasDate: Bool, into sink: SpoolWriter) {
        if !hasMessageID, let messageID { sink.append("Message-ID: \(messageID())\n") }
        if !hasDate, let date { sink.append("Date: \(date())\n") }
    }
}
