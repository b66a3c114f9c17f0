/// The libsasl2 options of one service, as Cyrus passes its imapd.conf `sasl_*` lines to
/// libsasl (`imap/global.c: mysasl_config()`): libsasl asks for option `<opt>` of plugin
/// `<plugin>` and gets the first of
///
///     <service>_sasl_<plugin>_<opt>
///     sasl_<plugin>_<opt>
///     <service>_sasl_<opt>
///     sasl_<opt>
///
/// that is set. Names are matched without regard to case.
public struct SASLOptions: Sendable, Equatable {
    /// `sasl_<name>` lines, keyed by `<name>` (lower-cased).
    public private(set) var generic: [String: String]
    /// `<service>_sasl_<name>` lines, keyed by `<name>` (lower-cased).
    public private(set) var serviceSpecific: [String: String]

    public init(generic: [String: String] = [:], serviceSpecific: [String: String] = [:]) {
        self.generic = Dictionary(generic.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        self.serviceSpecific = Dictionary(serviceSpecific.map { ($0.key.lowercased(), $0.value) },
                                          uniquingKeysWith: { _, last in last })
    }

    /// Picks the `sasl_*` and `<service>_sasl_*` keys out of imapd.conf lines.
    public init(lines: [(key: String, value: String)], service: String) {
        let servicePrefix = service.lowercased() + "_sasl_"
        var generic: [String: String] = [:]
        var specific: [String: String] = [:]
        for (key, value) in lines {
            let key = key.lowercased()
            if !service.isEmpty, key.hasPrefix(servicePrefix), key.count > servicePrefix.count {
                specific[String(key.dropFirst(servicePrefix.count))] = value
            } else if key.hasPrefix("sasl_"), key.count > 5 {
                generic[String(key.dropFirst(5))] = value
            }
        }
        self.init(generic: generic, serviceSpecific: specific)
    }

    /// Sets (or, with nil, removes) the generic `sasl_<name>` value.
    public mutating func set(_ name: String, _ value: String?) {
        generic[name.lowercased()] = value
    }

    /// The value of `sasl_<name>` for this service: service-specific first.
    public func value(named name: String) -> String? {
        let name = name.lowercased()
        return serviceSpecific[name] ?? generic[name]
    }

    /// What libsasl gets when it asks for `option` of `plugin` (nil plugin: a library option).
    public func lookup(plugin: String?, option: String) -> String? {
        if let plugin, !plugin.isEmpty, let value = value(named: "\(plugin)_\(option)") { return value }
        return value(named: option)
    }

    /// Every name that has a value (for building the C strings once).
    var names: Set<String> { Set(generic.keys).union(serviceSpecific.keys) }
}
