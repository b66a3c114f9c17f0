import ArgumentParser
import ConfParse
import Glibc
import LMTPServer
import Logging
import MailLogging

/// lmtpd: Cyrus-compatible LMTP delivery into Maildir. Thin: everything lives in LMTPServer.
struct LMTPD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmtpd",
        abstract: "Deliver mail received over LMTP (RFC 2033) into Maildir, as Cyrus's lmtpd(8).",
        discussion: """
            Without a master, serves one LMTP session on standard input and output. \
            Reads imapd.conf with the service name from CYRUS_SERVICE (default "lmtp"), \
            so <service>_<option> overrides apply. Logs to syslog, mail facility.
            """
    )

    @Option(name: .customShort("C"), help: ArgumentHelp("Read this imapd.conf.", valueName: "imapd.conf"))
    var configFile = "/etc/imapd.conf"

    @Option(name: .customShort("U"), help: ArgumentHelp("Connections one process serves before it exits.", valueName: "uses"))
    var uses = 250

    @Option(name: .customShort("T"), help: ArgumentHelp("Seconds to wait for the next connection before exiting (0: forever).", valueName: "timeout"))
    var reuseTimeout = 60

    @Flag(name: .customShort("D"), help: "Run imapd.conf's debug_command first, and log at debug level.")
    var debug = false

    @Flag(name: .customShort("a"), help: "Pre-authorize internet clients instead of requiring LMTP AUTH (trusted hosts only).")
    var preauthorize = false

    @Flag(name: .long, help: "Also write log lines to standard error.")
    var logToStderr = false

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let service = getenv("CYRUS_SERVICE").map { String(cString: $0) } ?? "lmtp"
        let configuration: LMTPDConfiguration
        do {
            configuration = try LMTPDConfiguration.load(path: configFile, service: service)
        } catch {
            MailLog.bootstrap(ident: "cyrus/\(service)", level: .info, to: logToStderr ? [.syslog, .stderr] : [.syslog])
            Logger(label: "lmtpd").critical("configuration error: \(error)")
            // Cyrus's fatal(): the client learns why, then the process ends with EX_CONFIG.
            let firstLine = "\(error)".split(separator: "\n").first.map(String.init) ?? "configuration error"
            writeStdout("421 4.3.0 lmtpd: \(firstLine)\r\n")
            throw ExitCode(78)
        }
        MailLog.bootstrap(ident: configuration.syslogIdent, level: debug ? .debug : .info,
                          to: logToStderr ? [.syslog, .stderr] : [.syslog])
        var logger = Logger(label: "lmtpd")
        logger.logLevel = debug ? .debug : .info
        _ = Glibc.umask(configuration.umask)
        for unknown in configuration.unknownOptions {
            logger.debug("unknown imapd.conf option \(unknown.key) at \(unknown.location)")
        }
        if debug, let command = configuration.debugCommand {
            DebugCommand.run(command, program: CommandLine.arguments[0], service: service, logger: logger)
        }
        let server = LMTPService(configuration: configuration, preauthorizeInternet: preauthorize, logger: logger)
        _ = server.serve(inputFD: 0, outputFD: 1)
    }

    private func writeStdout(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
    }
}

LMTPD.main()
