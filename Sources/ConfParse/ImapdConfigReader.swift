/// Where a setting was written.
public struct ConfigLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file (the main file or an `@include`d one).
    public var file: String
    /// 1-based line; for a continued line, its last physical line (as Cyrus counts).
    public var line: Int

    public var description: String { "\(file):\(line)" }
}

/// One `key: value` line of imapd.conf, in reading order (includes read in place).
public struct ImapdEntry: Sendable, Hashable {
    /// The key, lower-cased (as Cyrus folds it).
    public var key: String
    /// The value with surrounding blanks removed, before any substitution.
    public var value: String
    /// Where the line is.
    public var location: ConfigLocation
}

/// A key that is neither an option Cyrus knows, nor a member of an option family
/// (`partition-*`, `sasl_*`, ...), nor `<ident>_<known option>`: probably a typo.
public struct UnknownOption: Sendable, Hashable {
    /// The key, lower-cased.
    public var key: String
    /// Where it is.
    public var location: ConfigLocation
}

/// A checked value and where it came from.
struct Setting: Sendable {
    var value: ConfigValue
    var location: ConfigLocation
}

/// Reads imapd.conf lines the way Cyrus's `config_read_file()` does, collecting every
/// error instead of stopping at the first.
struct ImapdConfigReader {
    /// The ident (cyrus.conf entry name) whose `<ident>_<option>` lines are service-specific.
    let service: String
    var diagnostics = DiagnosticCollector()
    var entries: [ImapdEntry] = []
    var generic: [String: Setting] = [:]
    var specific: [String: Setting] = [:]
    var overflow: [String: Setting] = [:]
    /// Overflow keys in reading order (for the unknown-option report).
    var overflowOrder: [String] = []
    /// Canonical paths of the files read so far.
    var included: Set<String> = []

    init(service: String) {
        self.service = service.lowercased()
    }

    /// Reads a whole file's bytes; `file` names it in messages and anchors relative includes.
    mutating func read(_ bytes: [UInt8], file: String) {
        var pending: [UInt8]?
        var number = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            number += 1
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.endIndex
            let piece = bytes[start..<end]
            start = end + 1
            if piece.last == UInt8(ascii: "\\") {
                if pending == nil, piece.drop(while: \.isCSpace).first == UInt8(ascii: "#") {
                    diagnostics.warning(file, number, "comment line ends with \\: the next line is part of the comment")
                }
                pending = (pending ?? []) + piece.dropLast()
                if start >= bytes.endIndex, let joined = pending { line(joined[...], file: file, number: number) }
                continue
            }
            if piece.count >= 2, piece.last == 0x0D, piece[piece.endIndex - 2] == UInt8(ascii: "\\") {
                diagnostics.warning(file, number, "line ends with \\ and a CR (CRLF line end): it does not continue on the next line")
            }
            if let head = pending {
                line((head + piece)[...], file: file, number: number)
                pending = nil
            } else {
                line(piece, file: file, number: number)
            }
        }
    }

    /// One logical line.
    private mutating func line(_ text: ArraySlice<UInt8>, file: String, number: Int) {
        let body = text.drop(while: \.isCSpace)
        if body.isEmpty || body.first == UInt8(ascii: "#") { return }
        if body.contains(0) {
            diagnostics.error(file, number, "line contains a NUL byte")
            return
        }
        var p = body.startIndex
        if body[p] == UInt8(ascii: "@") { p += 1 }
        while p < body.endIndex, body[p].isCAlnum || body[p] == UInt8(ascii: "-") || body[p] == UInt8(ascii: "_") { p += 1 }
        guard p < body.endIndex, body[p] == UInt8(ascii: ":"), p > body.startIndex else {
            diagnostics.error(file, number, invalidNameMessage(body, nameEnd: p))
            return
        }
        let key = String(decoding: body[..<p].lazy.map(\.asciiLowercased), as: UTF8.self)
        var valueBytes = body[(p + 1)...].drop(while: \.isCSpace)
        while let last = valueBytes.last, last.isCSpace { valueBytes = valueBytes.dropLast() }
        if valueBytes.isEmpty {
            diagnostics.error(file, number, "empty option value for \(key)")
            return
        }
        guard let value = valueBytes.validUTF8 else {
            diagnostics.error(file, number, "the value of \(key) is not valid UTF-8")
            return
        }
        let location = ConfigLocation(file: file, line: number)
        if key.hasPrefix("@") {
            if key == "@include" {
                include(value, at: location)
            } else {
                diagnostics.error(file, number, "invalid directive \(key) (only @include exists)")
            }
            return
        }
        entries.append(ImapdEntry(key: key, value: value, location: location))
        store(key: key, value: value, at: location)
    }

    private func invalidNameMessage(_ body: ArraySlice<UInt8>, nameEnd: Int) -> String {
        let word = body.prefix { $0 != UInt8(ascii: ":") && !$0.isCSpace }
        var message = word.isEmpty ? "invalid option name (the line starts with ':')" : "invalid option name \(quoted(word.lossyString))"
        let after = body[nameEnd...].drop(while: \.isCSpace)
        if nameEnd < body.endIndex, body[nameEnd].isCSpace, after.first == UInt8(ascii: ":") {
            message += " (no blank is allowed before the colon)"
        } else if after.first == UInt8(ascii: "=") {
            message += " (write \"name: value\", not \"name = value\")"
        } else if !word.isEmpty {
            message += " (names are letters, digits, '-' and '_', followed directly by ':')"
        }
        return message
    }

    /// Files a setting: service-specific if `<service>_<typed option>`, generic if a typed
    /// option, otherwise overflow. A second line for the same slot is an error.
    private mutating func store(key: String, value: String, at location: ConfigLocation) {
        var name = key
        var spec: ImapdOptionSpec?
        var isSpecific = false
        if !service.isEmpty, key.hasPrefix(service + "_"),
           let found = ImapdOptionTable.spec(for: String(key.dropFirst(service.count + 1))) {
            name = found.name
            spec = found
            isSpecific = true
        } else {
            spec = ImapdOptionTable.spec(for: key)
        }
        guard let spec else {
            if let first = overflow[key] {
                duplicate(key, first: first.location, at: location)
                return
            }
            overflow[key] = Setting(value: .string(value), location: location)
            overflowOrder.append(key)
            return
        }
        if let first = isSpecific ? specific[name] : generic[name] {
            duplicate(key, first: first.location, at: location)
            return
        }
        switch spec.type.convert(value, name: key) {
        case .failure(let failure):
            diagnostics.error(location.file, location.line, failure.message)
        case .success(let converted):
            let setting = Setting(value: converted, location: location)
            if isSpecific { specific[name] = setting } else { generic[name] = setting }
            if let replacement = ImapdOptionTable.deprecated[name] {
                diagnostics.warning(location.file, location.line, "option '\(name)' is deprecated; use '\(replacement)'")
            }
        }
    }

    private mutating func duplicate(_ key: String, first: ConfigLocation, at location: ConfigLocation) {
        let firstText = first.file == location.file ? "line \(first.line)" : "\(first)"
        diagnostics.error(location.file, location.line, "option '\(key)' was specified twice (first on \(firstText))")
    }

    /// `@include: path`: read in place; a relative path is taken relative to the including
    /// file's directory; a file read twice is an error (as in Cyrus).
    private mutating func include(_ path: String, at location: ConfigLocation) {
        let directory = ConfigFile.directory(of: location.file)
        let target = ConfigFile.join(directory, path)
        if !path.hasPrefix("/"), directory != "." {
            diagnostics.warning(location.file, location.line,
                                "relative @include \(path) is read from \(directory) (Cyrus reads it from its working directory; an absolute path is safer)")
        }
        let actual = ConfigFile.resolve(target)
        let canonical = ConfigFile.canonicalPath(actual)
        if included.contains(canonical) {
            diagnostics.error(location.file, location.line, "configuration file \(target) included twice")
            return
        }
        included.insert(canonical)
        do throws(ConfigError) {
            let bytes = try ConfigFile.read(actual)
            read(bytes, file: target)
        } catch {
            let reason = error.diagnostics.first?.message ?? "cannot be read"
            diagnostics.error(location.file, location.line, "@include \(target): \(reason)")
        }
    }

    /// After reading: apply deprecated names, substitute `{configdirectory}`, list unknowns.
    mutating func finish() -> (configDirectory: String?, unknown: [UnknownOption]) {
        for (old, new) in ImapdOptionTable.deprecated {
            if generic[new] == nil, let setting = generic[old] { generic[new] = setting }
            if specific[new] == nil, let setting = specific[old] { specific[new] = setting }
        }
        var configDirectory: String?
        if case .string(let dir)? = (specific["configdirectory"] ?? generic["configdirectory"])?.value {
            configDirectory = dir
        }
        if let configDirectory {
            for (name, setting) in generic { if let s = substituted(setting, configDirectory) { generic[name] = s } }
            for (name, setting) in specific { if let s = substituted(setting, configDirectory) { specific[name] = s } }
            for (key, setting) in overflow where isCyrusOptionForService(key) {
                if let s = substituted(setting, configDirectory) { overflow[key] = s }
            }
        }
        let unknown = overflowOrder.compactMap { key -> UnknownOption? in
            guard !ImapdOptionTable.isRecognized(key), let setting = overflow[key] else { return nil }
            return UnknownOption(key: key, location: setting.location)
        }
        return (configDirectory, unknown)
    }

    /// Cyrus substitutes in the options it knows (for this ident), not in other overflow keys.
    private func isCyrusOptionForService(_ key: String) -> Bool {
        if ImapdOptionTable.isCyrusOption(key) { return true }
        return !service.isEmpty && key.hasPrefix(service + "_")
            && ImapdOptionTable.isCyrusOption(String(key.dropFirst(service.count + 1)))
    }

    private func substituted(_ setting: Setting, _ directory: String) -> Setting? {
        guard case .string(let text) = setting.value, let rest = ImapdConfig.afterConfigDirectoryPrefix(text) else { return nil }
        var copy = setting
        copy.value = .string(directory + rest)
        return copy
    }
}
