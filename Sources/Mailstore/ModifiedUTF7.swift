/// IMAP's modified UTF-7 (RFC 3501 §5.1.3), the encoding of folder names on disk that Dovecot
/// (and Courier) expect in a Maildir++ layout.
///
/// Printable US-ASCII (0x20–0x7e) stands for itself, except `&`, which is written `&-`. Every
/// other character is written as UTF-16BE in a modified BASE64 (`,` instead of `/`, no `=`
/// padding) between `&` and `-`.
public enum ModifiedUTF7 {
    /// The modified BASE64 alphabet.
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    /// Encodes `text` (any Unicode) as modified UTF-7.
    public static func encode(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var pending: [UInt16] = []
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value >= 0x20 && value <= 0x7e {
                flush(&pending, into: &output)
                output.append(UInt8(value))
                if value == 0x26 { output.append(UInt8(ascii: "-")) }
            } else {
                pending.append(contentsOf: Character(scalar).utf16)
            }
        }
        flush(&pending, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes modified UTF-7, or nil when `text` is not in the canonical form RFC 3501
    /// requires: a byte outside printable ASCII, an unterminated or empty `&...-` run, a BASE64
    /// run that encodes printable ASCII, two runs in a row (`&AOk-&AOk-` is `&AOkA6Q-`),
    /// leftover bits, or broken UTF-16.
    public static func decode(_ text: String) -> String? {
        var result = String.UnicodeScalarView()
        var bytes = text.utf8.makeIterator()
        var afterRun = false
        while let byte = bytes.next() {
            guard byte >= 0x20 && byte <= 0x7e else { return nil }
            guard byte == UInt8(ascii: "&") else {
                result.append(Unicode.Scalar(byte))
                afterRun = false
                continue
            }
            var run: [UInt8] = []
            var terminated = false
            while let next = bytes.next() {
                if next == UInt8(ascii: "-") { terminated = true; break }
                run.append(next)
            }
            guard terminated else { return nil }
            if run.isEmpty {
                result.append("&")
                afterRun = false
                continue
            }
            guard !afterRun, let scalars = decodeRun(run) else { return nil }
            result.append(contentsOf: scalars)
            afterRun = true
        }
        return String(result)
    }

    /// Writes pending UTF-16 units as `&<base64>-` and empties the buffer.
    private static func flush(_ units: inout [UInt16], into output: inout [UInt8]) {
        guard !units.isEmpty else { return }
        output.append(UInt8(ascii: "&"))
        var bits: UInt32 = 0
        var count = 0
        for unit in units {
            bits = (bits << 16) | UInt32(unit)
            count += 16
            while count >= 6 {
                count -= 6
                output.append(alphabet[Int((bits >> UInt32(count)) & 0x3f)])
            }
            bits &= (1 << UInt32(count)) - 1
        }
        if count > 0 { output.append(alphabet[Int((bits << UInt32(6 - count)) & 0x3f)]) }
        output.append(UInt8(ascii: "-"))
        units.removeAll(keepingCapacity: true)
    }

    /// The characters of one BASE64 run (between `&` and `-`), or nil when malformed.
    private static func decodeRun(_ run: [UInt8]) -> [Unicode.Scalar]? {
        var units: [UInt16] = []
        var bits: UInt32 = 0
        var count = 0
        for byte in run {
            guard let value = sextet(byte) else { return nil }
            bits = (bits << 6) | UInt32(value)
            count += 6
            if count >= 16 {
                count -= 16
                units.append(UInt16((bits >> UInt32(count)) & 0xffff))
                bits &= (1 << UInt32(count)) - 1
            }
        }
        // Leftover bits must be padding: fewer than 6, and all zero.
        guard count < 6, bits == 0, !units.isEmpty else { return nil }
        var scalars: [Unicode.Scalar] = []
        var parser = Unicode.UTF16.ForwardParser()
        var iterator = units.makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF16.decode(encoded)
                // Printable ASCII must stand for itself, never be BASE64-encoded.
                if scalar.value >= 0x20 && scalar.value <= 0x7e { return nil }
                scalars.append(scalar)
            case .error:
                return nil
            case .emptyInput:
                return scalars
            }
        }
    }

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: ","): return 63
        default: return nil
        }
    }
}
