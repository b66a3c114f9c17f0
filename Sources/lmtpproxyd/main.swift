import ArgumentParser
import ConfParse
import LMTPDCommand
import LMTPProxy
import LMTPServer

/// lmtpproxyd: an LMTP proxy that sends each recipient to its backend, with lmtpd's flags.
/// Thin: everything lives in LMTPProxy.
enum LMTPProxyDService: ServiceProgram {
    static let commandConfiguration = CommandConfiguration(
        commandName: "lmtpproxyd",
        abstract: "Relay LMTP to the backend each recipient's mailbox lives on (proxy_backends, a PostgreSQL map, rendezvous hashing).",
        discussion: """
            Started by a Cyrus-compatible master (listening socket on fd 4, status pipe on fd 3, \
            CYRUS_SERVICE and CYRUS_ID set) it accepts connections itself, one session at a \
            time, and keeps its connections to the backends from one session to the next. \
            Otherwise it proxies one session on standard input and output. Reads imapd.conf \
            with the service name from CYRUS_SERVICE (default "lmtp").
            """
    )

    static func run(_ options: LMTPDOptions) -> Int32 { LMTPProxyProgram.run(options) }

    static func checkConfig(path: String, service: String) -> [ConfigDiagnostic] {
        ProxyConfigCheck.run(path: path, service: service)
    }
}

ServiceCommand<LMTPProxyDService>.start(Array(CommandLine.arguments.dropFirst()))
