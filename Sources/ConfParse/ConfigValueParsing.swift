/// Conversions of configuration values, with the exact rules Cyrus applies.
enum ConfigValueParsing {
    // MARK: Switches (both files)

    /// Cyrus's switch rule (case-sensitive): first byte `0`, `n`, `f` or prefix `of` → off;
    /// `1`, `y`, `t` or prefix `on` → on; anything else is not a switch.
    static func parseSwitch(_ text: String) -> Bool? {
        let u = Array(text.utf8.prefix(2))
        guard let first = u.first else { return nil }
        let second = u.count > 1 ? u[1] : 0
        switch first {
        case UInt8(ascii: "0"), UInt8(ascii: "n"), UInt8(ascii: "f"): return false
        case UInt8(ascii: "1"), UInt8(ascii: "y"), UInt8(ascii: "t"): return true
        case UInt8(ascii: "o") where second == UInt8(ascii: "f"): return false
        case UInt8(ascii: "o") where second == UInt8(ascii: "n"): return true
        default: return nil
        }
    }

    /// Spellings of a switch that are obviously meant as one (anything else that
    /// ``parseSwitch(_:)`` accepts, like `nonsense` = off, deserves a warning).
    static let usualSwitchSpellings: Set<String> = [
        "0", "1", "n", "y", "f", "t", "no", "yes", "false", "true", "off", "on",
    ]

    // MARK: cyrus.conf integers

    /// A plain decimal integer (`-?[0-9]+`) that fits in a C `int`, or `nil`.
    static func strictInt(_ text: String) -> Int? {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" { negative = true; digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy(\.isCDigit), digits.count <= 10,
              let magnitude = Int(digits) else { return nil }
        let value = negative ? -magnitude : magnitude
        return (Int(Int32.min)...Int(Int32.max)).contains(value) ? value : nil
    }

    /// Master's `masterconf_getint()`: the value must start with a digit or `-digit`, else
    /// `defaultValue`; then C `atoi` (trailing junk ignored).
    static func masterGetInt(_ text: String, default defaultValue: Int) -> Int {
        let u = Array(text.utf8.prefix(2))
        guard let first = u.first else { return defaultValue }
        let looksNumeric = first.isCDigit || (first == UInt8(ascii: "-") && u.count > 1 && u[1].isCDigit)
        return looksNumeric ? atoi(text) : defaultValue
    }

    /// C `atoi`: leading blanks, optional sign, the longest run of digits (none → 0);
    /// saturated to the C `int` range instead of C's undefined overflow.
    static func atoi(_ text: String) -> Int {
        var bytes = Substring(text).utf8.drop(while: \.isCSpace)
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var value = 0
        for b in bytes {
            guard b.isCDigit else { break }
            value = min(value * 10 + Int(b - 0x30), Int(Int32.max) + 1)
        }
        if negative { return max(-value, Int(Int32.min)) }
        return min(value, Int(Int32.max))
    }

    // MARK: imapd.conf integers and durations

    /// C `strtol(text, &end, 0)` requiring the whole text to be consumed: optional blanks and
    /// sign, then `0x`/`0X` hex, a leading `0` for octal, or decimal. `nil` when the text is
    /// not entirely a number or does not fit in 64 bits.
    static func parseCLong(_ text: String) -> Int? {
        var bytes = Substring(text).utf8.drop(while: \.isCSpace)
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var radix = 10
        let b = Array(bytes)
        var digits = b[...]
        if b.count >= 3, b[0] == UInt8(ascii: "0"), b[1] | 0x20 == UInt8(ascii: "x"), hexValue(b[2]) != nil {
            radix = 16
            digits = b[2...]
        } else if b.count >= 2, b[0] == UInt8(ascii: "0") {
            radix = 8
            digits = b[1...]
        }
        guard !digits.isEmpty else { return nil }
        var magnitude: UInt64 = 0
        for d in digits {
            guard let v = hexValue(d), v < radix else { return nil }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: UInt64(radix))
            let (s, o2) = m.addingReportingOverflow(UInt64(v))
            if o1 || o2 { return nil }
            magnitude = s
        }
        if negative {
            return magnitude <= UInt64(Int64.max) + 1 ? Int(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int(magnitude) : nil
    }

    private static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 0x30...0x39: return Int(b - 0x30)
        case 0x41...0x46: return Int(b - 0x41 + 10)
        case 0x61...0x66: return Int(b - 0x61 + 10)
        default: return nil
        }
    }

    /// A Cyrus duration in seconds: optional `-`, then groups of digits each followed by
    /// `d`, `h`, `m` or `s`; a final group without a unit is in `defaultUnit` seconds.
    static func parseDuration(_ text: String, defaultUnit: Int) -> Int? {
        var bytes = Substring(text).utf8[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }
        guard !bytes.isEmpty else { return nil }
        var total = 0
        var number: Int?
        for b in bytes {
            if b.isCDigit {
                let (m, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int(b - 0x30))
                if o1 || o2 { return nil }
                number = s
                continue
            }
            let unit: Int
            switch b {
            case UInt8(ascii: "d"): unit = 86400
            case UInt8(ascii: "h"): unit = 3600
            case UInt8(ascii: "m"): unit = 60
            case UInt8(ascii: "s"): unit = 1
            default: return nil
            }
            guard let n = number else { return nil }
            let (part, o1) = n.multipliedReportingOverflow(by: unit)
            let (sum, o2) = total.addingReportingOverflow(part)
            if o1 || o2 { return nil }
            total = sum
            number = nil
        }
        if let n = number {
            let (part, o1) = n.multipliedReportingOverflow(by: defaultUnit)
            let (sum, o2) = total.addingReportingOverflow(part)
            if o1 || o2 { return nil }
            total = sum
        }
        return negative ? -total : total
    }
}
