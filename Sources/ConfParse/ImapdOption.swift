/// How an imapd.conf option's value is written and checked (Cyrus's option types).
public enum ImapdOptionType: Sendable, Hashable {
    /// Any text; a leading `{configdirectory}` is replaced by the configdirectory value.
    case string
    /// C `strtol(value, 0)`: decimal, `0x` hex, leading `0` octal; the whole value.
    case int
    /// Cyrus switch: `1 y… t… on…` = on, `0 n… f… of…` = off (case-sensitive).
    case boolean
    /// Exactly one of the names; `1 yes t true` mean `on`, `0 no f false` mean `off`.
    case enumeration([String])
    /// Exactly one of the names.
    case stringList([String])
    /// Blank-separated names; `a=b` lists alternative spellings of `a`.
    case bitfield([String])
    /// `[-]` groups of digits with `d`/`h`/`m`/`s`; a bare final number is in
    /// `defaultUnit` seconds (e.g. 60 when a bare number means minutes). Read as seconds.
    case duration(defaultUnit: Int)
}

/// A value as stored after checking (internal representation of every type).
enum ConfigValue: Sendable, Hashable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case word(String)
    case words([String])
    case seconds(Int)
}

/// Whose option it is.
public enum ImapdOptionOrigin: Sendable, Hashable {
    /// Cyrus IMAP's option, with Cyrus 3.6's name, type and default.
    case cyrus
    /// This project's own option (Cyrus has no such option).
    case ours
}

/// Whether lmtpd or minimaster act on an option that is accepted in imapd.conf.
public enum ImapdOptionUse: Sendable, Hashable {
    /// Read by lmtpd or minimaster.
    case read
    /// Read only by other Cyrus programs (imapd, timsieved, deliver...): checked, then left alone.
    case otherPrograms
    /// An lmtpd or master option we accept but do not implement; `--check` warns when it is set.
    case notImplemented(String)
}

/// Name, type, default, origin and use of an option, without its Swift value type: one entry
/// of the option table (``ImapdOptionTable``).
struct ImapdOptionSpec: Sendable {
    let name: String
    let type: ImapdOptionType
    /// `nil` when the option has no default (Cyrus's `<none>`).
    let defaultValue: ConfigValue?
    var origin: ImapdOptionOrigin = .cyrus
    var use: ImapdOptionUse = .read
}

/// A typed imapd.conf option, e.g. `ImapdOption<Int>.maxmessagesize`, used as
/// `config[.maxmessagesize]`. The typed options are static members in constrained
/// extensions (see `ImapdOptions.swift`).
public struct ImapdOption<Value: Sendable>: Sendable {
    /// The option's name in imapd.conf (Cyrus spelling, lower case).
    public let name: String
    /// How the value is written and checked.
    public let type: ImapdOptionType
    let defaultValue: ConfigValue?
    /// Cyrus's option, or ours.
    public var origin: ImapdOptionOrigin = .cyrus
    let decode: @Sendable (ConfigValue?) -> Value

    init(name: String, type: ImapdOptionType, defaultValue: ConfigValue?, origin: ImapdOptionOrigin = .cyrus,
         decode: @escaping @Sendable (ConfigValue?) -> Value) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.origin = origin
        self.decode = decode
    }

    var spec: ImapdOptionSpec { ImapdOptionSpec(name: name, type: type, defaultValue: defaultValue, origin: origin) }

    /// The same option declared as this project's own (not Cyrus's).
    var ours: Self {
        var copy = self
        copy.origin = .ours
        return copy
    }
}

extension ImapdOption where Value == String {
    static func string(_ name: String, default fallback: String) -> Self {
        ImapdOption(name: name, type: .string, defaultValue: .string(fallback)) {
            if case .string(let s)? = $0 { s } else { fallback }
        }
    }

    static func stringList(_ name: String, _ values: [String], default fallback: String) -> Self {
        ImapdOption(name: name, type: .stringList(values), defaultValue: .word(fallback)) {
            if case .word(let s)? = $0 { s } else { fallback }
        }
    }
}

extension ImapdOption where Value == String? {
    static func optionalString(_ name: String) -> Self {
        ImapdOption(name: name, type: .string, defaultValue: nil) {
            if case .string(let s)? = $0 { s } else { nil }
        }
    }
}

extension ImapdOption where Value == Int {
    static func int(_ name: String, default fallback: Int) -> Self {
        ImapdOption(name: name, type: .int, defaultValue: .int(fallback)) {
            if case .int(let i)? = $0 { i } else { fallback }
        }
    }

    /// A duration read as seconds; `defaultUnit` is what a bare number means, in seconds.
    static func duration(_ name: String, defaultSeconds: Int, defaultUnit: Int) -> Self {
        ImapdOption(name: name, type: .duration(defaultUnit: defaultUnit), defaultValue: .seconds(defaultSeconds)) {
            if case .seconds(let s)? = $0 { s } else { defaultSeconds }
        }
    }
}

extension ImapdOption where Value == Bool {
    static func boolean(_ name: String, default fallback: Bool) -> Self {
        ImapdOption(name: name, type: .boolean, defaultValue: .bool(fallback)) {
            if case .bool(let b)? = $0 { b } else { fallback }
        }
    }
}

extension ImapdOption where Value == Set<String> {
    static func bitfield(_ name: String, _ values: [String], default fallback: [String]) -> Self {
        ImapdOption(name: name, type: .bitfield(values), defaultValue: .words(fallback)) {
            if case .words(let w)? = $0 { Set(w) } else { Set(fallback) }
        }
    }
}

extension ImapdOption where Value: RawRepresentable & CaseIterable & Sendable, Value.RawValue == String {
    static func enumeration(_ name: String, default fallback: Value) -> Self {
        ImapdOption(name: name, type: .enumeration(Value.allCases.map(\.rawValue)), defaultValue: .word(fallback.rawValue)) {
            if case .word(let w)? = $0 { Value(rawValue: w) ?? fallback } else { fallback }
        }
    }

    static func stringListEnum(_ name: String, default fallback: Value) -> Self {
        ImapdOption(name: name, type: .stringList(Value.allCases.map(\.rawValue)), defaultValue: .word(fallback.rawValue)) {
            if case .word(let w)? = $0 { Value(rawValue: w) ?? fallback } else { fallback }
        }
    }
}

extension ImapdOption {
    /// One of the names of `Wrapped`, nil when unset (Cyrus's string lists without a default).
    static func optionalStringListEnum<Wrapped>(_ name: String) -> Self
    where Value == Wrapped?, Wrapped: RawRepresentable & CaseIterable & Sendable, Wrapped.RawValue == String {
        ImapdOption(name: name, type: .stringList(Wrapped.allCases.map(\.rawValue)), defaultValue: nil) {
            if case .word(let w)? = $0 { Wrapped(rawValue: w) } else { nil }
        }
    }
}

extension ImapdOptionType {
    /// Checks and converts a raw value; on failure returns Cyrus's message for `name`.
    func convert(_ raw: String, name: String) -> Result<ConfigValue, ConfigValueError> {
        switch self {
        case .string:
            return .success(.string(raw))
        case .int:
            guard let value = ConfigValueParsing.parseCLong(raw) else {
                return .failure(ConfigValueError("non-integer value for \(name): \(quoted(raw))"))
            }
            return .success(.int(value))
        case .boolean:
            guard let value = ConfigValueParsing.parseSwitch(raw) else {
                return .failure(ConfigValueError("non-switch value for \(name): \(quoted(raw)) (use yes/no, on/off, true/false or 1/0, in lower case)"))
            }
            return .success(.bool(value))
        case .enumeration(let names):
            let word: String
            switch raw {
            case "1", "yes", "t", "true": word = "on"
            case "0", "no", "f", "false": word = "off"
            default: word = raw
            }
            guard names.contains(word) else {
                return .failure(ConfigValueError("invalid value '\(raw)' for \(name) (allowed: \(names.joined(separator: ", ")))"))
            }
            return .success(.word(word))
        case .stringList(let names):
            guard names.contains(raw) else {
                return .failure(ConfigValueError("invalid value '\(raw)' for \(name) (allowed: \(names.joined(separator: ", ")))"))
            }
            return .success(.word(raw))
        case .bitfield(let names):
            var canonical: [String: String] = [:]
            for spelling in names {
                let forms = spelling.split(separator: "=").map(String.init)
                for form in forms { canonical[form] = forms.first }
            }
            var words: [String] = []
            for word in raw.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                guard let known = canonical[String(word)] else {
                    return .failure(ConfigValueError("invalid value '\(word)' for \(name)"))
                }
                if !words.contains(known) { words.append(known) }
            }
            return .success(.words(words))
        case .duration(let unit):
            guard let seconds = ConfigValueParsing.parseDuration(raw, defaultUnit: unit) else {
                return .failure(ConfigValueError("unparsable duration '\(raw)' for \(name)"))
            }
            return .success(.seconds(seconds))
        }
    }
}

/// Why a value does not fit its option's type (the message names the option).
struct ConfigValueError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
