import ArgumentParser
import ConfParse
import LMTPProxy

/// lmtpproxyd: an LMTP proxy that sends each recipient to its backend. Thin: everything lives in LMTPProxy.
struct LMTPProxyD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmtpproxyd",
        abstract: "Relay LMTP to the backend each recipient's mailbox lives on (proxy_backends, rendezvous hashing).",
        discussion: """
            Started by a Cyrus-compatible master (listening socket on fd 4, status pipe on fd 3, \
            CYRUS_SERVICE and CYRUS_ID set) it accepts connections itself, one session at a \
            time, and keeps its connections to the backends from one session to the next. \
            Otherwise it proxies one session on standard input and output. Reads imapd.conf \
            with the service name from CYRUS_SERVICE (default "lmtp").
            """
    )

    @Option(name: .customShort("C"), parsing: .unconditional, help: ArgumentHelp("Read this imapd.conf.", valueName: "imapd.conf"))
    var configFile = "/etc/imapd.conf"

    @Option(name: .customShort("U"), parsing: .unconditional,
            help: ArgumentHelp("Connections one process serves before it exits (default 250).", valueName: "uses"))
    var uses: String?

    @Option(name: .customShort("T"), parsing: .unconditional,
            help: ArgumentHelp("Seconds to wait for the next connection before exiting (default 60, 0: forever).", valueName: "timeout"))
    var reuseTimeout: String?

    @Flag(name: .customShort("D"), help: "Log at debug level.")
    var debug = false

    @Flag(name: .customShort("X"), help: "Serve one session on standard input/output, even when started by a master.")
    var singleSession = false

    @Flag(name: .customShort("a"), help: "Pre-authorize internet clients (trusted hosts only).")
    var preauthorize = false

    @Flag(name: .long, help: "Also write log lines to standard error.")
    var logToStderr = false

    @Option(name: .long, help: ArgumentHelp(
        "Check imapd.conf as this service reads it; print the findings (for minimaster --check) and exit 0, or 78 on errors.",
        valueName: "service"))
    var checkConfig: String?

    func run() throws {
        if let service = checkConfig {
            let findings = ProxyConfigCheck.run(path: configFile, service: service)
            print(CheckConfigProtocol.render(program: "lmtpproxyd", findings), terminator: "")
            if findings.contains(where: { $0.severity == .error }) { throw ExitCode(78) }
            return
        }
        var options = LMTPProxyOptions()
        options.configFile = configFile
        options.uses = uses
        options.reuseTimeout = reuseTimeout
        options.debug = debug
        options.singleSession = singleSession
        options.preauthorize = preauthorize
        options.logToStderr = logToStderr
        let status = LMTPProxyProgram.run(options)
        if status != 0 { throw ExitCode(status) }
    }
}

LMTPProxyD.main()
