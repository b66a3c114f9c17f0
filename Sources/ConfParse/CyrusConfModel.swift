/// A parsed `cyrus.conf`: the entries of its START, SERVICES, EVENTS and DAEMON sections in
/// file order, with every value already checked and converted the way Cyrus master reads it.
///
/// Obtain one with ``CyrusConf/load(path:mode:)`` or ``CyrusConf/parse(_:path:mode:)-(String,_,_)``.
public struct CyrusConf: Sendable {
    /// The path the configuration was read from (used in all messages).
    public var path: String
    /// START: commands run to completion, in order, before any service starts.
    public var start: [StartEntry]
    /// SERVICES: listeners whose connections are handed to forked children.
    public var services: [ServiceEntry]
    /// EVENTS: commands run periodically or at a time of day.
    public var events: [EventEntry]
    /// DAEMON: long-running programs without sockets, restarted when they exit.
    public var daemons: [DaemonEntry]
    /// Things Cyrus accepts that are probably not what was meant, sorted by line.
    public var warnings: [ConfigDiagnostic]

    /// How strictly to judge what Cyrus master accepts silently.
    public enum Mode: Sendable, Hashable {
        /// Default. Silent Cyrus behaviour with a surprising result (a skipped section, a
        /// `maxchild` that is not a number, an invalid `listen`, ...) is an error.
        case strict
        /// Accept exactly what Cyrus 3.6.1 accepts, with the meaning Cyrus gives it; the
        /// surprising cases become warnings. Errors remain only where Cyrus is fatal (plus
        /// lines this parser cannot represent: over-long lines, NUL bytes, invalid UTF-8).
        case cyrusCompatible
    }
}

/// One `key=value` argument of an entry, exactly as written (quotes removed).
public struct ConfArgument: Sendable, Hashable {
    /// The key (ASCII letters and digits; may be empty, as in `=x`).
    public var key: String
    /// The value after unquoting (no escapes exist in cyrus.conf).
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// Socket type and address family of a service (`proto=`).
public enum TransportProtocol: String, Sendable, Hashable, CaseIterable {
    /// Stream socket, any address family (the default).
    case tcp
    /// Stream socket, IPv4 only.
    case tcp4
    /// Stream socket, IPv6 only.
    case tcp6
    /// Datagram socket, any family (master forces `maxchild` 1 and `prefork` ≤ 1).
    case udp
    /// Datagram socket, IPv4 only.
    case udp4
    /// Datagram socket, IPv6 only.
    case udp6

    /// Whether this is a datagram protocol.
    public var isDatagram: Bool { self == .udp || self == .udp4 || self == .udp6 }
}

/// A SERVICES entry: a listener and the program that serves its connections.
public struct ServiceEntry: Sendable, Hashable {
    /// Entry name; becomes `CYRUS_SERVICE` of the children and their imapd.conf ident.
    public var name: String
    /// Physical line of the entry in the file.
    public var line: Int
    /// `cmd=` as written.
    public var cmd: String
    /// `cmd` split into words at runs of space, tab, CR and LF, as master does (no quoting).
    public var argv: [String]
    /// `listen=` as written.
    public var listen: String
    /// `listen` parsed and validated.
    public var listenAddress: ListenAddress
    /// `proto=`, default `.tcp`.
    public var proto: TransportProtocol
    /// Idle children to keep ready, default 0.
    public var prefork: Int
    /// Maximum live children; negative (the default -1) means unlimited, 0 means never runs.
    public var maxchild: Int
    /// Keep at least one child alive (implies prefork ≥ 1, maxforkrate 10 if 0), default false.
    public var babysit: Bool
    /// Forks per second cap, 0 (default) = none.
    public var maxforkrate: Int
    /// RLIMIT_NOFILE for children, 0 (default) = inherit.
    public var maxfds: Int
    /// Every argument of the line in order, including unknown and repeated keys.
    public var arguments: [ConfArgument]

    /// Whether `maxchild` allows any number of children.
    public var isUnlimited: Bool { maxchild < 0 }
}

/// A START entry: a command run to completion before the services are started.
public struct StartEntry: Sendable, Hashable {
    /// Entry name (START names may repeat).
    public var name: String
    /// Physical line of the entry.
    public var line: Int
    /// `cmd=` as written.
    public var cmd: String
    /// `cmd` split as master does.
    public var argv: [String]
    /// Every argument of the line in order.
    public var arguments: [ConfArgument]
}

/// A local time of day (`at=HHMM` of an EVENTS entry).
public struct TimeOfDay: Sendable, Hashable, CustomStringConvertible {
    /// 0...23.
    public var hour: Int
    /// 0...59.
    public var minute: Int

    /// The time for a `HHMM` integer (e.g. 400 = 04:00), or `nil` when not a valid time.
    public init?(hhmm: Int) {
        guard hhmm >= 0, hhmm <= 2359, hhmm % 100 <= 59 else { return nil }
        hour = hhmm / 100
        minute = hhmm % 100
    }

    /// The `HHMM` integer.
    public var hhmm: Int { hour * 100 + minute }

    /// `HH:MM`.
    public var description: String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }
}

/// An EVENTS entry: a command run every `period` minutes or daily at a time.
public struct EventEntry: Sendable, Hashable {
    /// Entry name (EVENTS names may repeat).
    public var name: String
    /// Physical line of the entry.
    public var line: Int
    /// `cmd=` as written.
    public var cmd: String
    /// `cmd` split as master does.
    public var argv: [String]
    /// Minutes between runs; 0 (default) = no period. The first run is at startup.
    public var period: Int
    /// Daily run time; when set it overrides `period`.
    public var at: TimeOfDay?
    /// Every argument of the line in order.
    public var arguments: [ConfArgument]
}

/// A DAEMON entry: a long-running program without a socket, restarted when it exits.
public struct DaemonEntry: Sendable, Hashable {
    /// Entry name (shares the name space of SERVICES).
    public var name: String
    /// Physical line of the entry.
    public var line: Int
    /// `cmd=` as written.
    public var cmd: String
    /// `cmd` split as master does.
    public var argv: [String]
    /// Start synchronously before services; the program must write `ok\r\n` to fd 3.
    public var wait: Bool
    /// RLIMIT_NOFILE for the daemon, 0 = inherit.
    public var maxfds: Int
    /// Forks per second cap as written; master uses 10 when this is 0.
    public var maxforkrate: Int
    /// Every argument of the line in order.
    public var arguments: [ConfArgument]
}
