import ConfParse

/// cyrus.conf, parsed in both modes. Checked: every entry and diagnostic is inside the file,
/// entries have names in strict mode;
/// a service's `listen` parses to the address it was given and that address prints back to
/// the same; what strict mode accepts, Cyrus-compatible mode accepts with the same entries;
/// `minimaster --check`'s report can be made.
enum CyrusConfFuzz {
    static let path = "/fuzz/cyrus.conf"

    static func run(_ bytes: [UInt8]) {
        let lines = ConfigChecks.lineCount(bytes)
        let strict = parse(bytes, mode: .strict, lines: lines)
        let compatible = parse(bytes, mode: .cyrusCompatible, lines: lines)
        if case .success(let conf) = strict {
            guard case .success(let lax) = compatible else {
                return require(false, "strict mode accepts what Cyrus-compatible mode refuses")
            }
            require(lax.services == conf.services && lax.start == conf.start
                    && lax.events == conf.events && lax.daemons == conf.daemons,
                    "the two modes read the same file differently")
        }
        _ = ConfigReport.check(cyrus: strict, imapd: imapd)
        _ = ConfigReport.check(cyrus: compatible, imapd: imapd)
    }

    private static func parse(_ bytes: [UInt8], mode: CyrusConf.Mode, lines: Int) -> Result<CyrusConf, ConfigError> {
        do throws(ConfigError) {
            let conf = try CyrusConf.parse(bytes, path: path, mode: mode)
            check(conf, lines: lines, strict: mode == .strict)
            return .success(conf)
        } catch {
            ConfigChecks.check(error, path: path, lines: lines)
            return .failure(error)
        }
    }

    private static func check(_ conf: CyrusConf, lines: Int, strict: Bool) {
        require(conf.path == path, "the configuration names another path")
        for warning in conf.warnings { ConfigChecks.check(warning, path: path, lines: lines) }
        for entry in conf.start { ConfigChecks.check(line: entry.line, of: entry.name, lines: lines, emptyNameAllowed: !strict) }
        for entry in conf.events { ConfigChecks.check(line: entry.line, of: entry.name, lines: lines, emptyNameAllowed: !strict) }
        for entry in conf.daemons { ConfigChecks.check(line: entry.line, of: entry.name, lines: lines, emptyNameAllowed: !strict) }
        for service in conf.services {
            ConfigChecks.check(line: service.line, of: service.name, lines: lines, emptyNameAllowed: !strict)
            if strict {
                let parsed = try? ListenAddress.parse(service.listen)
                require(parsed == service.listenAddress, "service \(service.name): listen \(service.listen) is not \(service.listenAddress)")
            }
            let printed = try? ListenAddress.parse(service.listenAddress.description)
            require(printed == service.listenAddress, "listen address \(service.listenAddress) does not print back to itself")
        }
    }

    /// A valid imapd.conf for the report.
    private static let imapd: Result<ImapdConfig, ConfigError> = {
        do throws(ConfigError) {
            return .success(try ImapdConfig.parse("configdirectory: /var/lib/cyrus\n", path: "/fuzz/imapd.conf", service: "lmtp"))
        } catch {
            return .failure(error)
        }
    }()
}
