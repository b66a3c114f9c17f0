import ConfParse

/// Identifies a SERVICES or DAEMON entry across reloads. Two SERVICES entries are "the same"
/// when name, `listen` and `proto` match (Cyrus's rule on SIGHUP); a DAEMON entry by its name.
public struct ServiceKey: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case service, daemon }

    public var kind: Kind
    public var name: String
    /// `listen=` as written (empty for daemons).
    public var listen: String
    /// `proto=` (ignored for daemons).
    public var proto: TransportProtocol

    public init(kind: Kind, name: String, listen: String = "", proto: TransportProtocol = .tcp) {
        self.kind = kind
        self.name = name
        self.listen = listen
        self.proto = proto
    }

    public var description: String {
        kind == .daemon ? "daemon \(name)" : "service \(name) (listen=\(listen) proto=\(proto.rawValue))"
    }
}

/// What a listener runs and how many children it keeps, after Cyrus's adjustments
/// (`add_service()`, `add_daemon()`).
public struct ProgramSettings: Sendable, Equatable {
    /// `cmd` split into words; argv[0] is passed unchanged (e.g. `lmtpd`).
    public var argv: [String]
    /// The resolved file that is executed.
    public var executable: String
    /// Idle children to keep ready (never negative).
    public var prefork: Int
    /// Live children allowed; `Int.max` for unlimited.
    public var maxchild: Int
    /// Keep at least one child alive.
    public var babysit: Bool
    /// Forks per second cap, 0 = none.
    public var maxforkrate: Int
    /// RLIMIT_NOFILE soft limit for children, 0 = inherit.
    public var maxfds: Int

    public init(argv: [String], executable: String, prefork: Int, maxchild: Int, babysit: Bool,
                maxforkrate: Int, maxfds: Int) {
        self.argv = argv
        self.executable = executable
        self.prefork = prefork
        self.maxchild = maxchild
        self.babysit = babysit
        self.maxforkrate = maxforkrate
        self.maxfds = maxfds
    }

    /// A SERVICES entry's values as master uses them: negative `maxchild` is unlimited, a
    /// negative `prefork`/`maxforkrate`/`maxfds` is 0, `babysit` forces prefork ≥ 1 and
    /// maxforkrate 10 when unset, UDP forces maxchild 1 and prefork ≤ 1.
    public static func service(_ entry: ServiceEntry, executable: String) -> ProgramSettings {
        var settings = ProgramSettings(
            argv: entry.argv, executable: executable, prefork: max(0, entry.prefork),
            maxchild: entry.maxchild < 0 ? Int.max : entry.maxchild, babysit: entry.babysit,
            maxforkrate: max(0, entry.maxforkrate), maxfds: max(0, entry.maxfds))
        if settings.babysit {
            settings.prefork = max(settings.prefork, 1)
            if settings.maxforkrate == 0 { settings.maxforkrate = 10 }
        }
        if entry.proto.isDatagram {
            settings.maxchild = min(settings.maxchild, 1)
            settings.prefork = min(settings.prefork, 1)
        }
        return settings
    }

    /// A DAEMON entry: one instance, restarted when it exits, maxforkrate 10 unless given.
    public static func daemon(_ entry: DaemonEntry, executable: String) -> ProgramSettings {
        ProgramSettings(argv: entry.argv, executable: executable, prefork: 1, maxchild: 1, babysit: true,
                        maxforkrate: entry.maxforkrate > 0 ? entry.maxforkrate : 10, maxfds: max(0, entry.maxfds))
    }
}

/// One SERVICES or DAEMON entry, ready to run.
public struct ServiceDefinition: Sendable, Equatable {
    public var key: ServiceKey
    /// Line of the entry in cyrus.conf.
    public var line: Int
    /// Where to listen (nil for daemons).
    public var address: ListenAddress?
    public var settings: ProgramSettings
    /// A `wait=y` daemon: started before the services, must write `ok\r\n` on fd 3.
    public var waitForReady: Bool

    public init(key: ServiceKey, line: Int, address: ListenAddress?, settings: ProgramSettings, waitForReady: Bool = false) {
        self.key = key
        self.line = line
        self.address = address
        self.settings = settings
        self.waitForReady = waitForReady
    }

    public var name: String { key.name }
    public var isDaemon: Bool { key.kind == .daemon }
}
