/// A parsed imapd.conf as one service (cyrus.conf entry name, e.g. `lmtpunix`) sees it.
///
/// Typed options: `config[.maxmessagesize]` gives the `<service>_maxmessagesize` value if
/// set, else `maxmessagesize`, else Cyrus's default. Other keys (`partition-*`, `sasl_*`,
/// options of other programs) are in the overflow table: ``overflow(_:)``.
public struct ImapdConfig: Sendable {
    /// The main file's path.
    public let path: String
    /// The ident this configuration was read for (lower-cased).
    public let service: String
    /// Every `key: value` line in reading order, `@include`d files in place.
    public let entries: [ImapdEntry]
    /// Findings that do not prevent use (deprecated names, relative includes, ...).
    public let warnings: [ConfigDiagnostic]
    /// Keys no Cyrus program knows (kept in the overflow table, as Cyrus does).
    public let unknownOptions: [UnknownOption]

    let generic: [String: Setting]
    let specific: [String: Setting]
    let overflowTable: [String: Setting]
    let configDirectory: String?

    /// Reads and parses the file at `path` for `service` (`$CYRUS_PREFIX` is honoured as by
    /// Cyrus). Throws every error found, each as `<path>:<line>: <message>`.
    public static func load(path: String, service: String) throws(ConfigError) -> ImapdConfig {
        let actual = ConfigFile.resolve(path)
        return try parse(ConfigFile.read(actual), path: actual, service: service)
    }

    /// Parses imapd.conf content given as raw bytes (invalid UTF-8 is reported per line).
    /// `path` names the content in messages and anchors relative `@include` paths.
    public static func parse(_ bytes: [UInt8], path: String, service: String) throws(ConfigError) -> ImapdConfig {
        var reader = ImapdConfigReader(service: service)
        reader.included.insert(ConfigFile.canonicalPath(path))
        reader.read(bytes, file: path)
        let (configDirectory, unknown) = reader.finish()
        try reader.diagnostics.throwIfErrors()
        return ImapdConfig(path: path, service: reader.service, entries: reader.entries,
                           warnings: reader.diagnostics.sortedWarnings, unknownOptions: unknown,
                           generic: reader.generic, specific: reader.specific, overflowTable: reader.overflow,
                           configDirectory: configDirectory)
    }

    /// Parses imapd.conf content given as text; see ``parse(_:path:service:)-([UInt8],_,_)``.
    public static func parse(_ text: String, path: String, service: String) throws(ConfigError) -> ImapdConfig {
        try parse(Array(text.utf8), path: path, service: service)
    }

    /// The value of a typed option for this service: service-specific, else generic, else
    /// the default (string defaults get `{configdirectory}` substituted too).
    public subscript<Value>(option: ImapdOption<Value>) -> Value {
        if let setting = specific[option.name] ?? generic[option.name] {
            return option.decode(setting.value)
        }
        if case .string(let text)? = option.defaultValue, let configDirectory,
           let rest = Self.afterConfigDirectoryPrefix(text) {
            return option.decode(.string(configDirectory + rest))
        }
        return option.decode(option.defaultValue)
    }

    /// The checked value of any option with a type (typed or accepted-and-ignored), for this
    /// service, else its default; nil for other names and for options without a default.
    func checkedValue(_ name: String) -> ConfigValue? {
        (specific[name] ?? generic[name])?.value ?? ImapdOptionTable.typed[name]?.defaultValue.map { value in
            if case .string(let text) = value, let configDirectory, let rest = Self.afterConfigDirectoryPrefix(text) {
                return .string(configDirectory + rest)
            }
            return value
        }
    }

    /// Options this project accepts but does not implement that this file sets, as warnings.
    public var notImplementedOptions: [ConfigDiagnostic] {
        DiagnosticCollector.sorted(ImapdIgnoredOptions.specs.compactMap { spec in
            guard case .notImplemented(let why) = spec.use, let setting = specific[spec.name] ?? generic[spec.name] else { return nil }
            return ConfigDiagnostic(file: setting.location.file, line: setting.location.line,
                                    message: "option '\(spec.name)' is accepted but not implemented: \(why)", severity: .warning)
        })
    }

    /// Where a typed option was set for this service, or `nil` when it has its default.
    public func location<Value>(of option: ImapdOption<Value>) -> ConfigLocation? {
        (specific[option.name] ?? generic[option.name])?.location
    }

    /// An overflow value (any key that is not a typed option), looked up as Cyrus's
    /// `config_getoverflowstring()` does: `<service>_<key>` first, then `<key>`.
    public func overflow(_ key: String) -> String? {
        overflowSetting(key.lowercased()).flatMap {
            if case .string(let text) = $0.value { text } else { nil }
        }
    }

    /// Where ``overflow(_:)`` found its value.
    public func overflowLocation(_ key: String) -> ConfigLocation? {
        overflowSetting(key.lowercased())?.location
    }

    private func overflowSetting(_ key: String) -> Setting? {
        if !service.isEmpty, let setting = overflowTable[service + "_" + key] { return setting }
        return overflowTable[key]
    }

    /// The directory of partition `name` (`partition-<name>`); by default of
    /// `defaultpartition`, or of `default` when that is unset. Names are lower-cased.
    public func partitionPath(_ name: String? = nil) -> String? {
        let partition = (name ?? self[.defaultpartition] ?? "default").lowercased()
        return overflow("partition-" + partition)
    }

    /// The checks Cyrus makes after reading (separate so each program decides):
    /// `configdirectory` must be set; `defaultpartition` must be letters and digits; with
    /// `needsPartition` (programs that store mail, like lmtpd) `partition-<defaultpartition>`
    /// (or `partition-default`) must be set.
    public func validate(needsPartition: Bool) throws(ConfigError) {
        var diagnostics = DiagnosticCollector()
        if self[.configdirectory] == nil {
            diagnostics.error(path, nil, "configdirectory option not specified in configuration file")
        }
        let defaultPartition = self[.defaultpartition]
        if let defaultPartition, !defaultPartition.utf8.allSatisfy(\.isCAlnum) {
            let where_ = location(of: .defaultpartition)
            diagnostics.error(where_?.file ?? path, where_?.line, "defaultpartition option contains non-alnum character")
        }
        if needsPartition {
            let name = (defaultPartition ?? "default").lowercased()
            if partitionPath() == nil {
                let hint = defaultPartition == nil ? " (defaultpartition is not set, so partition-default is needed)" : ""
                diagnostics.error(path, nil, "partition-\(name) option not specified in configuration file\(hint)")
            }
        }
        try diagnostics.throwIfErrors()
    }

    /// The rest of `text` after a leading `{configdirectory}` (any case), or `nil`.
    static func afterConfigDirectoryPrefix(_ text: String) -> Substring? {
        let marker = "{configdirectory}"
        guard text.utf8.count >= marker.utf8.count,
              text.utf8.prefix(marker.utf8.count).map(\.asciiLowercased).elementsEqual(marker.utf8) else { return nil }
        return Substring(text.utf8.dropFirst(marker.utf8.count))
    }
}
