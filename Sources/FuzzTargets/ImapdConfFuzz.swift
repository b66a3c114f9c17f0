import ConfParse

/// imapd.conf for one service (the first input byte picks it). Checked: every entry, unknown
/// option and diagnostic is inside the file; keys are lower case names, values trimmed and
/// non-empty; validation and `minimaster --check`'s report can be made.
///
/// `@include` must not read this machine's files: the file's directory does not exist, and a
/// logical line containing `@` has its `/` replaced by `_`, so every include is relative to it.
enum ImapdConfFuzz {
    static let path = "/nonexistent-fuzz-dir/imapd.conf"
    static let services = ["lmtp", "lmtpunix", "", "imap"]

    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let service = services[Int(input.byte()) % services.count]
        let text = withoutAbsoluteIncludes(Array(input.rest))
        let lines = ConfigChecks.lineCount(text)
        let result: Result<ImapdConfig, ConfigError>
        do throws(ConfigError) {
            let config = try ImapdConfig.parse(text, path: path, service: service)
            check(config, lines: lines)
            result = .success(config)
        } catch {
            ConfigChecks.check(error, path: path, lines: lines)
            result = .failure(error)
        }
        _ = ConfigReport.check(cyrus: cyrus, imapd: result)
    }

    private static func check(_ config: ImapdConfig, lines: Int) {
        for entry in config.entries {
            let key = Array(entry.key.utf8)
            require(!key.isEmpty && key.allSatisfy { !(0x41...0x5A).contains($0) }, "key \(entry.key) is not lower case")
            let value = Array(entry.value.utf8)
            require(!value.isEmpty, "empty value for \(entry.key)")
            require(value.first.map(isBlank) == false && value.last.map(isBlank) == false, "value of \(entry.key) is not trimmed")
            require(!value.contains(0), "value of \(entry.key) contains NUL")
            require(entry.location.file == path, "entry \(entry.key) from another file: \(entry.location)")
            require((1...lines).contains(entry.location.line), "entry \(entry.key) at \(entry.location) outside 1...\(lines)")
        }
        for option in config.unknownOptions {
            require((1...lines).contains(option.location.line), "unknown option \(option.key) at \(option.location) outside the file")
        }
        for warning in config.warnings { ConfigChecks.check(warning, path: path, lines: lines) }
        for needsPartition in [false, true] {
            do throws(ConfigError) {
                try config.validate(needsPartition: needsPartition)
            } catch {
                ConfigChecks.check(error, path: path, lines: lines)
            }
        }
        _ = config.partitionPath()
        _ = ConfigReport.imapdWarnings(config)
    }

    /// C's `isspace`.
    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// The input with `/` replaced by `_` in every logical line (backslash-continued physical
    /// lines joined) that contains `@`.
    static func withoutAbsoluteIncludes(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "@")) else { return bytes }
        var out = bytes
        var start = 0
        while start < out.count {
            var end = start
            // The logical line: physical lines while they end with a backslash.
            while true {
                let lf = out[end...].firstIndex(of: 0x0A) ?? out.count
                end = lf
                if lf > start, out[lf - 1] == UInt8(ascii: "\\"), lf < out.count { end = lf + 1; continue }
                break
            }
            if out[start..<end].contains(UInt8(ascii: "@")) {
                for i in start..<end where out[i] == UInt8(ascii: "/") { out[i] = UInt8(ascii: "_") }
            }
            start = end + 1
        }
        return out
    }

    /// A valid cyrus.conf for the report.
    private static let cyrus: Result<CyrusConf, ConfigError> = {
        do throws(ConfigError) {
            return .success(try CyrusConf.parse("SERVICES {\n  lmtp cmd=\"lmtpd\" listen=\"lmtp\"\n}\n", path: "/fuzz/cyrus.conf"))
        } catch {
            return .failure(error)
        }
    }()
}
