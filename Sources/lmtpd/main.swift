import ArgumentParser
import ConfParse
import LMTPServer

/// lmtpd: Cyrus-compatible LMTP delivery into Maildir. Thin: everything lives in LMTPServer.
struct LMTPD: ParsableCommand {
    static let configuration = CommandConfiguration(
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

    @Option(name: .customShort("C"), parsing: .unconditional,
            help: ArgumentHelp("Read this imapd.conf.", valueName: "imapd.conf"))
    var configFile = "/etc/imapd.conf"

    @Option(name: .customShort("U"), parsing: .unconditional,
            help: ArgumentHelp("Connections one process serves before it exits (default 250).", valueName: "uses"))
    var uses: String?

    @Option(name: .customShort("T"), parsing: .unconditional,
            help: ArgumentHelp("Seconds to wait for the next connection before exiting, randomized up to twice that (default 60, 0: forever).", valueName: "timeout"))
    var reuseTimeout: String?

    @Flag(name: .customShort("D"), help: "Run imapd.conf's debug_command first, and log at debug level.")
    var debug = false

    @Flag(name: .customShort("X"), help: "Serve one session on standard input/output, even when started by a master.")
    var singleSession = false

    @Flag(name: .customShort("a"), help: "Pre-authorize internet clients instead of requiring LMTP AUTH (trusted hosts only).")
    var preauthorize = false

    @Flag(name: .long, help: "Also write log lines to standard error.")
    var logToStderr = false

    @Option(name: .long, help: ArgumentHelp(
        "Check imapd.conf as this service reads it, for what lmtpd would refuse at start-up or at the first delivery; print the findings (for minimaster --check) and exit 0, or 78 on errors.",
        valueName: "service"))
    var checkConfig: String?

    func run() throws {
        if let service = checkConfig {
            let findings = LMTPDConfigCheck.run(path: configFile, service: service)
            print(CheckConfigProtocol.render(program: "lmtpd", findings), terminator: "")
            if findings.contains(where: { $0.severity == .error }) { throw ExitCode(78) }
            return
        }
        var options = LMTPDOptions()
        options.configFile = configFile
        options.uses = uses
        options.reuseTimeout = reuseTimeout
        options.debug = debug
        options.singleSession = singleSession
        options.preauthorize = preauthorize
        options.logToStderr = logToStderr
        let status = LMTPDProgram.run(options)
        if status != 0 { throw ExitCode(status) }
    }
}

LMTPD.main()
