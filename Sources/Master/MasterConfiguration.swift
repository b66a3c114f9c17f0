import ConfParse

/// A cyrus.conf turned into what the supervisor runs: every program resolved to a file
/// (`cannot find executable for service '<name>'` otherwise, fatal at startup as in Cyrus).
public struct MasterConfiguration: Sendable {
    /// The cyrus.conf path.
    public var path: String
    /// START entries, in file order.
    public var start: [StartCommand]
    /// SERVICES entries, in file order.
    public var services: [ServiceDefinition]
    /// DAEMON entries, in file order.
    public var daemons: [ServiceDefinition]
    /// EVENTS entries (their programs are looked up at each run, as Cyrus does).
    public var events: [EventEntry]
    /// What Cyrus accepts silently but is probably not meant (file:line text).
    public var warnings: [String]

    /// A START command with its resolved program.
    public struct StartCommand: Sendable, Equatable {
        public var name: String
        public var line: Int
        public var argv: [String]
        public var executable: String
    }

    /// Why a configuration cannot be run.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var messages: [String]
        public var description: String { messages.joined(separator: "\n") }
    }

    /// Reads and checks cyrus.conf the way master does (Cyrus-compatible parsing: what Cyrus
    /// accepts silently is accepted, with a warning).
    public static func load(path: String, lookup: ExecutableLookup) throws(Problem) -> MasterConfiguration {
        let conf: CyrusConf
        do {
            conf = try CyrusConf.load(path: path, mode: .cyrusCompatible)
        } catch {
            throw Problem(messages: error.diagnostics.map(\.description))
        }
        return try build(conf, lookup: lookup)
    }

    /// Resolves the programs of a parsed configuration.
    public static func build(_ conf: CyrusConf, lookup: ExecutableLookup) throws(Problem) -> MasterConfiguration {
        var problems: [String] = []
        func find(_ argv: [String], _ what: String, _ name: String, _ line: Int) -> String? {
            guard let argv0 = argv.first, let path = lookup.resolve(argv0) else {
                problems.append("\(conf.path):\(line): cannot find executable for \(what) '\(name)'"
                                + (argv.first.map { " (\($0))" } ?? ""))
                return nil
            }
            return path
        }
        let start = conf.start.compactMap { entry in
            find(entry.argv, "startup", entry.name, entry.line).map {
                StartCommand(name: entry.name, line: entry.line, argv: entry.argv, executable: $0)
            }
        }
        let services = conf.services.compactMap { entry in
            find(entry.argv, "service", entry.name, entry.line).map {
                ServiceDefinition(key: ServiceKey(kind: .service, name: entry.name, listen: entry.listen, proto: entry.proto),
                                  line: entry.line, address: entry.listenAddress,
                                  settings: .service(entry, executable: $0))
            }
        }
        let daemons = conf.daemons.compactMap { entry in
            find(entry.argv, "daemon", entry.name, entry.line).map {
                ServiceDefinition(key: ServiceKey(kind: .daemon, name: entry.name), line: entry.line, address: nil,
                                  settings: .daemon(entry, executable: $0), waitForReady: entry.wait)
            }
        }
        if !problems.isEmpty { throw Problem(messages: problems) }
        // Cyrus does not check an event's program before it is due: neither is it fatal here.
        let missingEventPrograms = conf.events.filter { $0.argv.first.flatMap(lookup.resolve) == nil }.map { event in
            "\(conf.path):\(event.line): warning: cannot find executable for event '\(event.name)'"
                + (event.argv.first.map { " (\($0))" } ?? "") + ": it fails each time it is due"
        }
        return MasterConfiguration(path: conf.path, start: start, services: services, daemons: daemons,
                                   events: conf.events, warnings: conf.warnings.map(\.description) + missingEventPrograms)
    }

    /// Services and daemons together, services first.
    public var definitions: [ServiceDefinition] { services + daemons }
}
