import ArgumentParser
import ConfParse
import Glibc
import LMTPServer

/// A program that runs as a Cyrus service (lmtpd, lmtpproxyd): its name and help, what it does
/// with lmtpd's flags, and its answer to `--check-config`.
public protocol ServiceProgram {
    static var commandConfiguration: CommandConfiguration { get }
    /// Runs the program; returns the exit status.
    static func run(_ options: LMTPDOptions) -> Int32
    /// What it would refuse in imapd.conf read as `service`.
    static func checkConfig(path: String, service: String) -> [ConfigDiagnostic]
}

/// The command line of a service program: Cyrus lmtpd's flags, with swift-argument-parser's
/// help and errors. A program's `main.swift` runs ``start(_:)``.
public struct ServiceCommand<Program: ServiceProgram>: ParsableCommand {
    public static var configuration: CommandConfiguration { Program.commandConfiguration }

    @Option(name: .customShort("C"), parsing: .unconditional,
            help: ArgumentHelp("Read this imapd.conf.", valueName: "imapd.conf"))
    var configFile = "/etc/imapd.conf"

    @Option(name: .customShort("U"), parsing: .unconditional,
            help: ArgumentHelp("Connections one process serves before it exits (default 250).", valueName: "uses"))
    var uses: String?

    @Option(name: .customShort("T"), parsing: .unconditional,
            help: ArgumentHelp("Seconds to wait for the next connection before exiting, randomized up to twice that (default 60, 0: forever).", valueName: "timeout"))
    var reuseTimeout: String?

    @Flag(name: .customShort("D"), help: "Log at debug level (lmtpd: run imapd.conf's debug_command first).")
    var debug = false

    @Flag(name: .customShort("X"), help: "Serve one session on standard input/output, even when started by a master.")
    var singleSession = false

    @Flag(name: .customShort("a"), help: "Pre-authorize internet clients instead of requiring LMTP AUTH (trusted hosts only).")
    var preauthorize = false

    @Flag(name: .long, help: "Also write log lines to standard error.")
    var logToStderr = false

    @Option(name: .long, help: ArgumentHelp(
        "Check imapd.conf as this service reads it; print the findings (for minimaster --check) and exit 0, or 78 on errors.",
        valueName: "service"))
    var checkConfig: String?

    public init() {}

    public func run() throws {
        if let service = checkConfig {
            let findings = Program.checkConfig(path: configFile, service: service)
            print(CheckConfigProtocol.render(program: Self.configuration.commandName ?? "service", findings), terminator: "")
            if findings.contains(where: { $0.severity == .error }) { throw ExitCode(78) }
            return
        }
        let status = Program.run(options)
        if status != 0 { throw ExitCode(status) }
    }

    /// What the flags say, as the program takes them.
    public var options: LMTPDOptions {
        var options = LMTPDOptions()
        options.configFile = configFile
        options.uses = uses
        options.reuseTimeout = reuseTimeout
        options.debug = debug
        options.singleSession = singleSession
        options.preauthorize = preauthorize
        options.logToStderr = logToStderr
        return options
    }

    /// Runs the program with `arguments` (without the program name). The plain vectors a master
    /// passes (``MasterArguments``) skip swift-argument-parser, whose reflection of the options
    /// is a sixth of a child's start-up; anything else (help, `--check-config`, a mistake) goes
    /// through it, for its messages.
    public static func start(_ arguments: [String]) -> Never {
        if let options = MasterArguments.parse(arguments) {
            Glibc.exit(Program.run(options))
        }
        main(arguments)
        Glibc.exit(0)
    }
}

/// lmtpd: Cyrus-compatible LMTP delivery into Maildir.
public enum LMTPDService: ServiceProgram {
    public static let commandConfiguration = CommandConfiguration(
        commandName: "lmtpd",
        abstract: "Deliver mail received over LMTP (RFC 2033) into Maildir, as Cyrus's lmtpd(8).",
        discussion: """
            Started by a Cyrus-compatible master (listening socket on fd 4, status pipe on \
            fd 3, CYRUS_SERVICE and CYRUS_ID set), accepts connections itself, one session at \
            a time. Otherwise serves one LMTP session on standard input and output. \
            Reads imapd.conf with the service name from CYRUS_SERVICE (default "lmtp"), \
            so <service>_<option> overrides apply. Logs to syslog, mail facility.
            """
    )

    public static func run(_ options: LMTPDOptions) -> Int32 { LMTPDProgram.run(options) }

    public static func checkConfig(path: String, service: String) -> [ConfigDiagnostic] {
        LMTPDConfigCheck.run(path: path, service: service)
    }
}

/// lmtpd's command line.
public typealias LMTPD = ServiceCommand<LMTPDService>
