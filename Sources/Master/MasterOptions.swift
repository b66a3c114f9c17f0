import POSIXCore
/// How minimaster was asked to run (Cyrus master's command line plus our long options).
public struct MasterOptions: Sendable {
    /// `-M`: cyrus.conf.
    public var cyrusConfPath: String
    /// `-C`: imapd.conf, read with ident `master`.
    public var imapdConfPath: String
    /// `-p`: pidfile; with `-d` and no `-p`, ``defaultPidfile``.
    public var pidfile: String?
    /// `-l`: listen(2) backlog of stream services.
    public var backlog: Int32
    /// `-d`: fork into the background; the parent exits 0 once the services are bound.
    public var daemonize: Bool
    /// `-D`: keep standard input too (and skip no redirections).
    public var keepStdio: Bool
    /// `-L`: append standard output and error to this file.
    public var logfile: String?
    /// `-v` count: debug logging when > 0.
    public var verbose: Int
    /// `--drain-timeout`: seconds children get to finish their sessions at shutdown before
    /// they are killed.
    public var drainTimeout: Double

    /// Cyrus's default pidfile on Debian.
    public static let defaultPidfile = "/run/cyrus-master.pid"

    public init(cyrusConfPath: String = "/etc/cyrus.conf", imapdConfPath: String = "/etc/imapd.conf",
                pidfile: String? = nil, backlog: Int32 = 32, daemonize: Bool = false, keepStdio: Bool = false,
                logfile: String? = nil, verbose: Int = 0, drainTimeout: Double = 30) {
        self.cyrusConfPath = cyrusConfPath
        self.imapdConfPath = imapdConfPath
        self.pidfile = pidfile
        self.backlog = backlog
        self.daemonize = daemonize
        self.keepStdio = keepStdio
        self.logfile = logfile
        self.verbose = verbose
        self.drainTimeout = drainTimeout
    }

    /// The pidfile to write, if any: `-p`, or the default in daemon mode.
    public var effectivePidfile: String? {
        pidfile ?? (daemonize ? Self.defaultPidfile : nil)
    }
}

/// The codes master exits with: the sysexits(3) codes of POSIXCore's ``ExitStatus`` (usage 64,
/// unavailable 69 after a bind error with `master_bind_errors_fatal: yes`, osError 71 for a
/// locked pidfile, fork or pipe failure, config 78), and ``ExitStatus/startupFailed``.
public typealias MasterExit = ExitStatus

extension ExitStatus {
    /// A START command failed.
    public static let startupFailed: Int32 = 1
}
