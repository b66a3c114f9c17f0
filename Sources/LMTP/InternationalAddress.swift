/// Whether a parsed path may hold 8-bit bytes, and in which form (RFC 6531):
/// * with `SMTPUTF8` on MAIL FROM: they must be UTF-8 (no invalid or overlong sequences, no
///   surrogates, no C1 controls), and the address is normalised to NFC, so that a user typed
///   with a combining accent finds the same mailbox as one typed precomposed;
/// * without it, under `lmtp_strict_rfc2821` (the default): refused with `553 5.6.7`;
/// * without it, not strict (Cyrus's lax mode): each 8-bit byte of the local part becomes `X`,
///   and an 8-bit domain is a syntax error.
enum InternationalAddress {
    enum Refusal: Error, Equatable {
        /// 8-bit bytes without `SMTPUTF8`.
        case needsSMTPUTF8
        /// Not UTF-8, or a C1 control.
        case invalidUTF8
        /// 8-bit bytes in the domain in lax mode.
        case badSyntax

        var senderReply: String {
            switch self {
            case .needsSMTPUTF8: return Reply.needsSMTPUTF8
            case .invalidUTF8: return Reply.senderNotUTF8
            case .badSyntax: return Reply.badParameters
            }
        }

        var recipientReply: String {
            switch self {
            case .needsSMTPUTF8: return Reply.needsSMTPUTF8
            case .invalidUTF8: return Reply.recipientNotUTF8
            case .badSyntax: return Reply.badParameters
            }
        }
    }

    /// The path as it may be used, or why it is refused.
    static func check(_ path: ParsedPath, internationalized: Bool, settings: LMTPSettings) -> Result<ParsedPath, Refusal> {
        guard path.address.contains(where: { $0 >= 0x80 }) else { return .success(path) }
        guard internationalized else {
            if settings.strictRFC2821 { return .failure(.needsSMTPUTF8) }
            if path.domain?.contains(where: { $0 >= 0x80 }) == true { return .failure(.badSyntax) }
            let munge: (UInt8) -> UInt8 = { $0 >= 0x80 ? UInt8(ascii: "X") : $0 }
            return .success(ParsedPath(address: path.address.map(munge), localPart: path.localPart.map(munge), domain: path.domain))
        }
        guard let address = normalized(path.address), let localPart = normalized(path.localPart) else {
            return .failure(.invalidUTF8)
        }
        var domain: [UInt8]?
        if let given = path.domain {
            guard let checked = normalized(given) else { return .failure(.invalidUTF8) }
            domain = checked
        }
        return .success(ParsedPath(address: address, localPart: localPart, domain: domain))
    }

    /// The NFC form of `bytes` when they are UTF-8 without C1 controls, else nil.
    static func normalized(_ bytes: [UInt8]) -> [UInt8]? {
        guard let text = String(validating: bytes, as: UTF8.self),
              !text.unicodeScalars.contains(where: { $0.value >= 0x80 && $0.value <= 0x9F }) else { return nil }
        // The standard library's NFC (what String comparison uses); Foundation is not linked here.
        return Array(text._nfcCodeUnits)
    }
}
