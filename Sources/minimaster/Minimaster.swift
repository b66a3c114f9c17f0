import ArgumentParser
import ConfParse

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The command line of Cyrus `master(8)`, plus `--check`.
///
/// Only `--check` is implemented so far; the other flags are accepted and validated so that
/// the supervisor can plug into ``Minimaster/supervise()`` without changing the interface.
struct Minimaster: ParsableCommand {
    static let version = "minimaster 0.1.0 (Cyrus master 3.6.1 compatible)"

    static let configuration = CommandConfiguration(
        commandName: "minimaster",
        abstract: "Start and supervise the services of a Cyrus cyrus.conf.",
        discussion: """
            Reads cyrus.conf (-M) and imapd.conf (-C) like Cyrus master. Only --check is \
            implemented yet: it prints the services, START, EVENTS and DAEMON entries that \
            would run, with warnings on standard error, and exits 0, or prints every error \
            and exits 78 (EX_CONFIG).
            """
    )

    @Option(name: .customShort("M", allowingJoined: true), help: ArgumentHelp("cyrus.conf to read.", valueName: "cyrus.conf"))
    var cyrusConf = "/etc/cyrus.conf"

    @Option(name: .customShort("C", allowingJoined: true), help: ArgumentHelp("imapd.conf to read (ident \"master\").", valueName: "imapd.conf"))
    var imapdConf = "/etc/imapd.conf"

    @Option(name: .customShort("p", allowingJoined: true), help: ArgumentHelp("Pid file, locked while running.", valueName: "pidfile"))
    var pidfile: String?

    @Option(name: .customShort("l", allowingJoined: true), help: ArgumentHelp("listen(2) backlog of TCP services.", valueName: "backlog"))
    var backlog = 32

    @Option(name: .customShort("j", allowingJoined: true), help: ArgumentHelp("Janitor sweeps per second (at least 1).", valueName: "rate"))
    var janitorRate: Int?

    @Flag(name: .customShort("d"), help: "Run in the background (daemonize).")
    var daemonize = false

    @Flag(name: .customShort("D"), help: "Keep standard input/output/error open (foreground debugging).")
    var keepStdio = false

    @Option(name: .customShort("L", allowingJoined: true), help: ArgumentHelp("Append standard output and error to this file.", valueName: "logfile"))
    var logfile: String?

    @Flag(name: .customShort("v"), help: "More verbose logging (repeatable).")
    var verbose: Int

    @Flag(name: .customShort("V"), help: "Print the version and exit.")
    var printVersion = false

    @Flag(name: .long, help: "Check the configuration, print what would run, and exit.")
    var check = false

    @Flag(name: .long, help: "With --check: accept what Cyrus 3.6.1 accepts silently, reporting it as warnings.")
    var cyrusCompatible = false

    func validate() throws {
        if daemonize && keepStdio { throw ValidationError("-d and -D cannot be used together") }
        if backlog < 1 { throw ValidationError("-l backlog must be at least 1") }
        if let janitorRate, janitorRate < 1 { throw ValidationError("-j rate must be at least 1") }
    }

    func run() throws {
        if printVersion {
            Output.write(Self.version + "\n", to: 1)
            return
        }
        if check {
            let result = ConfigReport.check(cyrusConfPath: cyrusConf, imapdConfPath: imapdConf,
                                            mode: cyrusCompatible ? .cyrusCompatible : .strict)
            Output.write(result.output, to: 1)
            Output.write(result.diagnostics, to: 2)
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
            return
        }
        throw ExitCode(supervise())
    }

    /// Runs the services. Not written yet: reports so and returns EX_UNAVAILABLE.
    func supervise() -> Int32 {
        Output.write("minimaster: not implemented yet: only --check is available "
                     + "(minimaster --check -M \(cyrusConf) -C \(imapdConf))\n", to: 2)
        return 69
    }
}

/// Unbuffered writes to standard output (1) or standard error (2).
enum Output {
    static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { writeBytes(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            bytes = bytes.dropFirst(n)
        }
    }
}

/// The C `write(2)` (a file-scope name, so it is not shadowed by `Output.write`).
private func writeBytes(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
