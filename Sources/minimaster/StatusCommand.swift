import ArgumentParser
import Master

/// `minimaster status [-C imapd.conf] [--json]`: what the running minimaster supervises, asked
/// over its status socket (``StatusClient``). `main.swift` sends a command line whose first
/// word is `status` here, so Cyrus master's own flags stay exactly as they are.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minimaster status",
        abstract: "Show what the running minimaster supervises.",
        discussion: """
            Asks the running minimaster over its status socket, \
            {configdirectory}/socket/minimaster.status (mode 0600; only root and the user \
            minimaster runs as are answered), and prints per SERVICES listener its address, \
            ready/busy children, maxchild, forks and fork rate, READY failures, sessions served \
            and state; the configuration generation (1 at start, one more per reload), when it \
            was loaded and how many children of older generations still run; DAEMON and EVENTS \
            entries. Exit status 1 when minimaster is not running or refuses.
            """
    )

    @Option(name: .customShort("C", allowingJoined: true), help: ArgumentHelp("imapd.conf of the running minimaster (its configdirectory holds the socket).", valueName: "imapd.conf"))
    var imapdConf = "/etc/imapd.conf"

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let status = StatusClient.run(imapdConfPath: imapdConf, json: json)
        if status != 0 { throw ExitCode(status) }
    }
}
