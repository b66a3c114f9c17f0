import Testing
@testable import Master

@Suite("minimaster status: the text format")
struct StatusTextTests {
    /// A minimaster with every kind of row: a busy service, one from systemd and disabled, one
    /// that could not be bound, a daemon, a periodic and a never-run event.
    static let sample = StatusSnapshot(
        pid: 4242, uid: 105, user: "cyrus", startedAt: 1000, now: 8200.5, configuration: "/etc/cyrus.conf",
        generation: 3, loadedAt: 7000, childrenToRecycle: 2, shuttingDown: false,
        services: [
            .init(name: "lmtpunix", family: "unix", listen: "/run/cyrus/socket/lmtp", systemdSocket: nil, ready: 1, busy: 2,
                  prefork: 1, maxchild: 10, forks: 14, forkRate: 0.3, maxforkrate: 10, readyFailures: 0, served: 12,
                  state: .active),
            .init(name: "lmtp", family: "ipv4", listen: "127.0.0.1:2003", systemdSocket: "lmtp.socket", ready: 0, busy: 0,
                  prefork: 0, maxchild: nil, forks: 5, forkRate: 0, maxforkrate: 0, readyFailures: 5, served: 3,
                  state: .disabled("too many failures")),
            .init(name: "pop3", family: "", listen: "192.0.2.1:110", systemdSocket: nil, ready: 0, busy: 0, prefork: 0,
                  maxchild: nil, forks: 0, forkRate: 0, maxforkrate: 0, readyFailures: 0, served: 0, state: .notListening),
        ],
        daemons: [.init(name: "idled", state: .running, pid: 812, starts: 3, lastExit: "exited, status 1")],
        events: [
            .init(name: "checkpoint", command: ["ctl_cyrusdb", "-c"], timing: "every 30 min", lastRun: 7000,
                  lastExit: "exited normally", lastExitFailed: false, runningPID: nil, nextRun: 8800),
            .init(name: "tab", command: ["/bin/sh", "-c", "echo \"hi\"\tthere"], timing: "daily at 03:00", lastRun: nil,
                  lastExit: nil, lastExitFailed: false, runningPID: nil, nextRun: nil),
        ])

    @Test("head, then one aligned table per section")
    func wholeText() {
        let text = StatusText.render(Self.sample) { "t\(Int($0))" }
        #expect(text == """
            minimaster pid 4242 as cyrus (uid 105), up 2 h 0 min
            configuration /etc/cyrus.conf: generation 3, loaded t7000 (reload)
            children of older generations still running: 2

            SERVICE        LISTEN                         READY  BUSY  MAXCHILD  FORKS  RATE/MAX  FAILED  SERVED  STATE
            lmtpunix/unix  /run/cyrus/socket/lmtp             1     2        10     14    0.3/10       0      12  active
            lmtp/ipv4      127.0.0.1:2003 (from systemd)      0     0         -      5     0.0/-       5       3  disabled: too many failures
            pop3           192.0.2.1:110                      0     0         -      0     0.0/-       0       0  not listening

            DAEMON  STATE    PID  STARTS  LAST EXIT
            idled   running  812       3  exited, status 1

            EVENT       TIMING          LAST RUN  LAST EXIT        NEXT RUN
            checkpoint  every 30 min    t7000     exited normally  t8800
            tab         daily at 03:00  never     -                -

            """)
    }

    @Test("a fresh start, shutting down, no DAEMON or EVENTS: no empty tables")
    func startAndShutdown() {
        var snapshot = Self.sample
        snapshot.generation = 1
        snapshot.shuttingDown = true
        snapshot.daemons = []
        snapshot.events = []
        snapshot.services = []
        snapshot.user = nil
        let text = StatusText.render(snapshot) { "t\(Int($0))" }
        #expect(text.hasPrefix("minimaster pid 4242 as uid 105, up 2 h 0 min\n"))
        #expect(text.contains("loaded t7000 (start)\n"))
        #expect(text.contains("shutting down: waiting for the children to finish\n"))
        #expect(text.hasSuffix("\nSERVICES: none\n"))
        #expect(!text.contains("DAEMON") && !text.contains("EVENT"))
    }

    @Test("a running event shows its pid instead of the last exit")
    func runningEvent() {
        var snapshot = Self.sample
        snapshot.events[0].runningPID = 999
        #expect(StatusText.render(snapshot) { "t\(Int($0))" }.contains("t7000     running, pid 999  t8800"))
    }

    @Test("durations and rates")
    func durations() {
        #expect(StatusText.duration(42.9) == "42 s")
        #expect(StatusText.duration(302) == "5 min 2 s")
        #expect(StatusText.duration(7500) == "2 h 5 min")
        #expect(StatusText.duration(3 * 86_400 + 4 * 3600 + 59) == "3 d 4 h")
        #expect(StatusText.duration(-3) == "0 s")
        #expect(StatusText.rate(0.3) == "0.3")
        #expect(StatusText.rate(12.06) == "12.1")
        #expect(StatusText.rate(0) == "0.0")
    }

    @Test("the client takes the status after `ok`, a refusal as the problem")
    func clientAnswers() throws {
        #expect(try StatusClient.interpret("ok\nminimaster pid 1\n").get() == "minimaster pid 1\n")
        guard case .failure(let refused) = StatusClient.interpret("refused: uid 65534 may not ask\n") else {
            Issue.record("a refusal must be a problem")
            return
        }
        #expect(refused.description == "refused: uid 65534 may not ask")
        guard case .failure(let empty) = StatusClient.interpret("") else {
            Issue.record("no answer must be a problem")
            return
        }
        #expect(empty.description.contains("without an answer"))
    }

    @Test("fork rate: forks of the last 10 seconds, older ones forgotten")
    func forkRate() {
        var window = ForkRateWindow()
        #expect(window.rate(now: 100) == 0)
        for offset in 0..<5 { window.record(now: 100 + Double(offset) * 0.1) }
        window.record(now: 105.5)
        #expect(window.rate(now: 105.9) == 0.6)
        #expect(window.rate(now: 109.99) == 0.6)
        #expect(window.rate(now: 110.0) == 0.1)
        #expect(window.rate(now: 116.0) == 0)
        // A slot reused after a full turn starts from zero.
        window.record(now: 120.2)
        #expect(window.rate(now: 120.5) == 0.1)
    }
}
