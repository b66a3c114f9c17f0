import ArgumentParser
import ConfParse
import Master
import POSIXCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The command line of Cyrus `master(8)`, plus `--check` (and `status`: ``StatusCommand``).
///
/// Parses the command line and hands over to ``Master/run(_:)`` (the supervisor lives in the
/// `Master` library) or to ``ConfigReport`` for `--check`.
struct Minimaster: ParsableCommand {
    static let version = "minimaster 0.1.0 (Cyrus master 3.6.1 compatible)"

    static let configuration = CommandConfiguration(
        commandName: "minimaster",
        abstract: "Start and supervise the services of a Cyrus cyrus.conf.",
        discussion: """
            Reads cyrus.conf (-M) and imapd.conf (-C) like Cyrus master, binds every SERVICES \
            listener, forks children that accept on fd 4 and report on fd 3, runs START and \
            DAEMON entries. Runs in the foreground, logging to syslog (mail facility) and \
            standard error; -d daemonizes. Under systemd (Type=notify) it reports readiness, \
            reloads, shutdown and a status line, pings the watchdog, uses the sockets systemd \
            passes (socket activation) and logs to the journal; without systemd none of this \
            happens. SIGHUP reloads cyrus.conf; SIGTERM/SIGINT/SIGQUIT \
            stop accepting, let sessions finish (up to --drain-timeout seconds) and exit. \
            --check prints the services, START, EVENTS and DAEMON entries that would run, \
            with warnings on standard error, and exits 0, or prints every error and exits 78 \
            (EX_CONFIG). `minimaster status [-C imapd.conf] [--json]` shows what a running \
            minimaster supervises (see `minimaster status --help`).
            """
    )

    @Option(name: .customShort("M", allowingJoined: true), help: ArgumentHelp("cyrus.conf to read.", valueName: "cyrus.conf"))
    var cyrusConf = "/etc/cyrus.conf"

    @Option(name: .customShort("C", allowingJoined: true), help: ArgumentHelp("imapd.conf to read (ident \"master\").", valueName: "imapd.conf"))
    var imapdConf = "/etc/imapd.conf"

    @Option(name: .customShort("p", allowingJoined: true), help: ArgumentHelp("Pid file, locked while running (with -d and no -p: /run/cyrus-master.pid).", valueName: "pidfile"))
    var pidfile: String?

    @Option(name: .customShort("l", allowingJoined: true), help: ArgumentHelp("listen(2) backlog of TCP services.", valueName: "backlog"))
    var backlog = 32

    @Option(name: .customShort("j", allowingJoined: true), help: ArgumentHelp("Janitor sweeps per second (at least 1).", valueName: "rate"))
    var janitorRate: Int?

    @Flag(name: .customShort("d"), help: "Run in the background (daemonize).")
    var daemonize = false

    @Flag(name: .customShort("D"), help: "Keep standard input open too (children inherit it); otherwise it becomes /dev/null.")
    var keepStdio = false

    @Option(name: .customShort("L", allowingJoined: true), help: ArgumentHelp("Append standard output and error to this file.", valueName: "logfile"))
    var logfile: String?

    @Flag(name: .customShort("v"), help: "More verbose logging (repeatable).")
    var verbose: Int

    @Flag(name: .customShort("V"), help: "Print the version and exit.")
    var printVersion = false

    @Option(name: .long, help: ArgumentHelp("At shutdown, seconds sessions may take to finish before children are killed.", valueName: "seconds"))
    var drainTimeout: Double = 30

    @Flag(name: .long, help: "Check the configuration, print what would run, and exit.")
    var check = false

    @Flag(name: .long, help: "With --check: accept what Cyrus 3.6.1 accepts silently, reporting it as warnings.")
    var cyrusCompatible = false

    func validate() throws {
        if daemonize && keepStdio { throw ValidationError("-d and -D cannot be used together") }
        if backlog < 1 { throw ValidationError("-l backlog must be at least 1") }
        if let janitorRate, janitorRate < 1 { throw ValidationError("-j rate must be at least 1") }
        if !(drainTimeout >= 0 && drainTimeout <= 86_400) {
            throw ValidationError("--drain-timeout must be a number of seconds from 0 to 86400")
        }
    }

    func run() throws {
        if printVersion {
            Output.write(Self.version + "\n", to: 1)
            return
        }
        if check {
            let result = ConfigReport.check(cyrusConfPath: cyrusConf, imapdConfPath: imapdConf,
                                            mode: cyrusCompatible ? .cyrusCompatible : .strict,
                                            programChecks: { ServiceProgramCheck.findings($0, $1) })
            Output.write(result.output, to: 1)
            Output.write(result.diagnostics, to: 2)
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
            return
        }
        throw ExitCode(supervise())
    }

    /// Runs the services until a shutdown signal; returns the exit status.
    func supervise() -> Int32 {
        Master.run(MasterOptions(
            cyrusConfPath: cyrusConf, imapdConfPath: imapdConf, pidfile: pidfile,
            backlog: Int32(clamping: backlog), daemonize: daemonize, keepStdio: keepStdio,
            logfile: logfile, verbose: verbose, drainTimeout: drainTimeout))
    }
}

/// Unbuffered writes to standard output (1) or standard error (2).
enum Output {
    static func write(_ text: String, to fd: Int32) {
        _ = try? writeAll(fd, text)
    }
}
