/// The arguments of MAIL and RCPT: grammar, parameters, and the recipient split.

/// What a valid `MAIL FROM:` line says.
struct MailRequest: Equatable {
    /// The path without brackets (empty for `<>`).
    var sender: String
    /// The path had an `@domain`.
    var senderHasDomain: Bool
    /// Decoded `AUTH=` identity (nil when absent or `<>`).
    var authorizedIdentity: String?
    /// `SIZE=` value.
    var size: Int?
    /// `BODY=` (RFC 6152, 3030).
    var body: BodyType = .sevenBit
    /// `SMTPUTF8` (RFC 6531): the addresses and header fields may be UTF-8.
    var smtputf8 = false
}

/// What `BODY=` declared.
enum BodyType: Equatable {
    case sevenBit, eightBitMIME
    /// Only with BDAT: the body is stored byte for byte.
    case binaryMIME
}

/// What a valid `RCPT TO:` line says.
enum RecipientRequest: Equatable {
    /// `RCPT TO:<>`: answered as an unknown user, as Cyrus does.
    case nullPath
    case recipient(Recipient)
}

enum EnvelopeCommands {
    /// Parses what follows `MAIL ` (Cyrus's checks, in Cyrus's order). On failure returns the
    /// reply line.
    static func parseMail(_ arguments: [UInt8], settings: LMTPSettings) -> Result<MailRequest, ReplyLine> {
        guard arguments.matchesIgnoringCase("from:", at: 0),
              let (path, end) = PathParser.parse(arguments, from: 5),
              end == arguments.count || arguments[end] == 0x20
        else { return .failure(ReplyLine(Reply.badParameters)) }

        var request = MailRequest(
            sender: "",
            senderHasDomain: path.domain != nil,
            authorizedIdentity: nil,
            size: nil
        )
        var i = end
        while i < arguments.count, arguments[i] == 0x20 {
            i += 1
            let tokenEnd = arguments[i...].firstIndex(of: 0x20) ?? arguments.count
            if arguments.matchesIgnoringCase("auth=", at: i) {
                guard let identity = authParameter(arguments[(i + 5)..<tokenEnd]) else {
                    return .failure(ReplyLine(Reply.badParameters))
                }
                request.authorizedIdentity = identity.isEmpty ? nil : identity
                i = tokenEnd
            } else if arguments.matchesIgnoringCase("body=", at: i) {
                i += 5
                if arguments.matchesIgnoringCase("7bit", at: i) {
                    i += 4
                } else if arguments.matchesIgnoringCase("8bitmime", at: i) {
                    i += 8
                    request.body = .eightBitMIME
                } else if settings.binaryMIME && arguments.matchesIgnoringCase("binarymime", at: i) {
                    i += 10
                    request.body = .binaryMIME
                } else {
                    return .failure(ReplyLine(Reply.unrecognizedBody))
                }
            } else if arguments.matchesIgnoringCase("size=", at: i) {
                i += 5
                guard i < arguments.count, Bytes.isDigit(arguments[i]) else {
                    return .failure(ReplyLine(Reply.sizeRequiresValue))
                }
                var value = 0
                var overflow = false
                while i < arguments.count, Bytes.isDigit(arguments[i]) {
                    let (times, o1) = value.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times.addingReportingOverflow(Int(arguments[i] - 0x30))
                    overflow = overflow || o1 || o2
                    value = sum
                    i += 1
                }
                if overflow || (settings.maxMessageSize > 0 && value > settings.maxMessageSize) {
                    return .failure(ReplyLine(Reply.sizeParameterTooBig(max: settings.maxMessageSize)))
                }
                request.size = value
            } else if tokenEnd - i == 8, arguments.matchesIgnoringCase("smtputf8", at: i) {
                request.smtputf8 = true
                i = tokenEnd
            } else {
                return .failure(ReplyLine(Reply.unrecognizedParameters))
            }
        }
        guard i == arguments.count else { return .failure(ReplyLine(Reply.unrecognizedParameters)) }
        switch InternationalAddress.check(path, internationalized: request.smtputf8, settings: settings) {
        case .failure(let refusal): return .failure(ReplyLine(refusal.senderReply))
        case .success(let checked): request.sender = String(decoding: checked.address, as: UTF8.self)
        }
        return .success(request)
    }

    /// The value of `AUTH=`: xtext, optionally in `<>`; `<>` alone means no identity (empty
    /// string). Nil when malformed, or when the decoded identity has control characters or is
    /// not UTF-8.
    static func authParameter(_ value: ArraySlice<UInt8>) -> String? {
        var token = value
        if token.count >= 2, token.first == UInt8(ascii: "<"), token.last == UInt8(ascii: ">") {
            token = token.dropFirst().dropLast()
            if token.isEmpty { return "" }
        }
        guard !token.isEmpty, let decoded = XText.decode(token),
              !decoded.contains(where: Bytes.isControl)
        else { return nil }
        let identity = String(decoding: decoded, as: UTF8.self)
        // Decoding replaces invalid UTF-8; refuse rather than alter the identity.
        guard identity.utf8.elementsEqual(decoded) else { return nil }
        return identity
    }

    /// Parses what follows `RCPT ` and makes the recipient (split, case-folded, checked).
    static func parseRecipient(_ arguments: [UInt8], internationalized: Bool = false,
                               settings: LMTPSettings) -> Result<RecipientRequest, ReplyLine> {
        guard arguments.matchesIgnoringCase("to:", at: 0),
              let (parsed, end) = PathParser.parse(arguments, from: 3),
              end == arguments.count || arguments[end] == 0x20
        else { return .failure(ReplyLine(Reply.badParameters)) }
        let path: ParsedPath
        switch InternationalAddress.check(parsed, internationalized: internationalized, settings: settings) {
        case .failure(let refusal): return .failure(ReplyLine(refusal.recipientReply))
        case .success(let checked): path = checked
        }

        var ignoreQuota = false
        var i = end
        while i < arguments.count, arguments[i] == 0x20 {
            i += 1
            guard arguments.count - i == 11, arguments.matchesIgnoringCase("ignorequota", at: i) else {
                return .failure(ReplyLine(Reply.unrecognizedParameters))
            }
            ignoreQuota = true
            i = arguments.count
        }
        if path.isNull { return .success(.nullPath) }
        guard let recipient = makeRecipient(path, ignoreQuota: ignoreQuota, downcase: settings.downcaseRecipients) else {
            return .failure(ReplyLine(Reply.badParameters))
        }
        return .success(.recipient(recipient))
    }

    /// Splits a parsed path into user, detail and domain. Refuses (nil) a user part that can
    /// never name a mailbox: starting with `.` (so also `.` and `..`), containing `/`, or empty
    /// without a detail (`+folder@host` is Cyrus's shared-folder form, with the default empty
    /// `postuser`); control characters were already refused by the grammar. The detail may contain
    /// `/` and `.` (folder hierarchy); the mailbox layer validates folder names.
    static func makeRecipient(_ path: ParsedPath, ignoreQuota: Bool, downcase: Bool) -> Recipient? {
        let plus = path.localPart.firstIndex(of: UInt8(ascii: "+"))
        var user = Array(path.localPart[..<(plus ?? path.localPart.endIndex)])
        let detail = plus.map { Array(path.localPart[($0 + 1)...]) }
        guard user.first.map({ $0 != UInt8(ascii: ".") }) ?? (detail?.isEmpty == false),
              !user.contains(UInt8(ascii: "/")),
              !path.localPart.contains(where: Bytes.isControl)
        else { return nil }
        var domain = path.domain
        if downcase {
            user = user.map(Bytes.lower)
            domain = domain?.map(Bytes.lower)
        }
        return Recipient(
            address: String(decoding: path.address, as: UTF8.self),
            user: String(decoding: user, as: UTF8.self),
            detail: detail.map { String(decoding: $0, as: UTF8.self) },
            domain: domain.map { String(decoding: $0, as: UTF8.self) },
            ignoreQuota: ignoreQuota
        )
    }
}

/// A one-line reply used as an error value.
struct ReplyLine: Error, Equatable {
    var text: String
    init(_ text: String) { self.text = text }
}
