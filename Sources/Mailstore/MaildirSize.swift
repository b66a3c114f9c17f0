/// Quota limits of one Maildir: bytes and messages; 0 means no limit (Maildir++'s rule).
public struct QuotaLimits: Sendable, Equatable {
    /// Storage limit in bytes (`<n>S`), 0 = none.
    public var bytes: Int
    /// Message-count limit (`<n>C`), 0 = none.
    public var messages: Int

    public init(bytes: Int = 0, messages: Int = 0) {
        self.bytes = max(0, bytes)
        self.messages = max(0, messages)
    }

    /// No limit at all.
    public var isUnlimited: Bool { bytes == 0 && messages == 0 }

    /// The first line of a `maildirsize` file, as Dovecot writes it: `<bytes>S`, `<n>C`, or
    /// both joined by `,`; `0S` when there is no limit.
    public var definition: String {
        var parts: [String] = []
        if bytes != 0 || messages == 0 { parts.append("\(bytes)S") }
        if messages != 0 { parts.append("\(messages)C") }
        return parts.joined(separator: ",")
    }

    /// Parses a quota definition (`1000000S,1000C`); unknown or malformed items are ignored,
    /// as Dovecot and Courier do.
    public static func parse(definition: Substring) -> QuotaLimits {
        var limits = QuotaLimits()
        for item in definition.split(separator: ",") {
            guard let kind = item.last, let value = Int(item.dropLast()), value > 0 else { continue }
            switch kind {
            case "S": limits.bytes = value
            case "C": limits.messages = value
            default: continue
            }
        }
        return limits
    }
}

/// What a Maildir holds: bytes and messages.
public struct QuotaUsage: Sendable, Equatable {
    public var bytes: Int
    public var messages: Int

    public init(bytes: Int = 0, messages: Int = 0) {
        self.bytes = bytes
        self.messages = messages
    }

    /// Whether this usage is beyond `limits` (strictly more than a limit that is set).
    public func exceeds(_ limits: QuotaLimits) -> Bool {
        (limits.bytes > 0 && bytes > limits.bytes) || (limits.messages > 0 && messages > limits.messages)
    }
}

/// The contents of a Maildir++ `maildirsize` file: the limits line, then one
/// `<bytes> <messages>` line per change (signed; deliveries add, expunges subtract).
///
/// Parsing follows Dovecot's reader (`quota-maildir.c`), which is the one that must agree with
/// us: a last line without a newline is ignored; a NUL byte, a line that does not start with
/// two integers, or negative totals make the file unusable (it must be recalculated).
public struct MaildirSize: Sendable, Equatable {
    public var limits: QuotaLimits
    public var usage: QuotaUsage
    /// How many usage lines follow the limits line.
    public var usageLines: Int

    /// Maildir++: a file of this many bytes or more is recalculated.
    public static let recalculationSize = 5120
    /// Maildir++: an over-quota file older than this (seconds) is recalculated.
    public static let staleAge = 15 * 60

    public init(limits: QuotaLimits, usage: QuotaUsage, usageLines: Int = 1) {
        self.limits = limits
        self.usage = usage
        self.usageLines = usageLines
    }

    /// Parses a file's bytes; nil when they cannot be trusted (recalculate).
    public static func parse(_ bytes: [UInt8]) -> MaildirSize? {
        guard !bytes.contains(0), let end = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return nil }
        let lines = bytes[..<end].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let limits = QuotaLimits.parse(definition: Substring(decoding: lines[0], as: UTF8.self))
        var usage = QuotaUsage()
        for line in lines.dropFirst() {
            guard let (bytes, messages) = parseUsageLine(line) else { return nil }
            usage.bytes = usage.bytes.addingReportingOverflow(bytes).partialValue
            usage.messages = usage.messages.addingReportingOverflow(messages).partialValue
        }
        guard usage.bytes >= 0, usage.messages >= 0 else { return nil }
        return MaildirSize(limits: limits, usage: usage, usageLines: lines.count - 1)
    }

    /// Whether a parsed file must be recalculated although it parsed (Maildir++ and Dovecot):
    /// it is over quota and has more than one usage line or was last changed `staleAge` ago.
    public func needsRecalculation(fileAge: Int) -> Bool {
        guard usage.exceeds(limits) else { return false }
        return usageLines > 1 || fileAge > MaildirSize.staleAge
    }

    /// The text of a freshly written (recalculated) file: limits line and one usage line.
    public var text: String {
        "\(limits.definition)\n\(usage.bytes) \(usage.messages)\n"
    }

    /// The line appended for one change.
    public static func usageLine(bytes: Int, messages: Int) -> String {
        "\(bytes) \(messages)\n"
    }

    /// `sscanf("%lld %d")`: optional blanks, a signed integer, optional blanks, a signed integer;
    /// the rest of the line is ignored.
    private static func parseUsageLine(_ line: ArraySlice<UInt8>) -> (Int, Int)? {
        var index = line.startIndex
        guard let first = integer(in: line, at: &index) else { return nil }
        guard let second = integer(in: line, at: &index) else { return nil }
        return (first, second)
    }

    private static func integer(in line: ArraySlice<UInt8>, at index: inout Int) -> Int? {
        while index < line.endIndex, isBlank(line[index]) { index += 1 }
        var negative = false
        if index < line.endIndex, line[index] == UInt8(ascii: "-") || line[index] == UInt8(ascii: "+") {
            negative = line[index] == UInt8(ascii: "-")
            index += 1
        }
        var value = 0
        var digits = 0
        while index < line.endIndex, line[index] >= UInt8(ascii: "0"), line[index] <= UInt8(ascii: "9") {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(line[index] - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
            digits += 1
            index += 1
        }
        guard digits > 0 else { return nil }
        return negative ? -value : value
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
