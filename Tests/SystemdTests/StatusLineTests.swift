import Systemd
import Testing

@Suite("STATUS= line and its throttle")
struct StatusLineTests {
    @Test("names each service with its ready and busy children and connections, then the disabled ones")
    func render() {
        let line = StatusLine.render([
            .init(name: "lmtpunix", ready: 1, busy: 0, served: 12),
            .init(name: "lmtp", ready: 0, busy: 1, served: 3),
        ], disabled: [])
        #expect(line == "lmtpunix: 1 ready, 0 busy, 12 served; lmtp: 0 ready, 1 busy, 3 served; disabled: none")
        #expect(StatusLine.render([], disabled: ["lmtp", "pop3"]) == "disabled: lmtp, pop3")
        #expect(StatusLine.stopping(children: 1) == "stopping: 1 child finishing")
        #expect(StatusLine.stopping(children: 3) == "stopping: 3 children finishing")
    }

    @Test("a changed line is sent at once, then at most once per interval; an unchanged one never")
    func throttle() {
        var throttle = StatusThrottle(minimumInterval: 0.25)
        #expect(throttle.offer("a", now: 10) == "a")
        #expect(throttle.offer("a", now: 10.1) == nil)
        #expect(throttle.wakeAt == nil)
        #expect(throttle.offer("b", now: 10.1) == nil)
        #expect(throttle.wakeAt == 10.25)
        #expect(throttle.offer("c", now: 10.2) == nil)
        #expect(throttle.offer("c", now: 10.25) == "c")
        #expect(throttle.wakeAt == nil)
        #expect(throttle.lastSent == "c")
        // A change that goes back to what was sent needs no update.
        #expect(throttle.offer("d", now: 10.3) == nil)
        #expect(throttle.offer("c", now: 10.31) == nil)
        #expect(throttle.wakeAt == nil)
        throttle.record("ready", now: 11)
        #expect(throttle.offer("ready", now: 11.01) == nil)
    }

    @Test("the watchdog pings at once, then every half interval")
    func watchdogTimer() {
        var timer = WatchdogTimer(intervalMicroseconds: 2_000_000, now: 100)
        #expect(timer.period == 1)
        let first = timer.isDue(now: 100)
        let early = timer.isDue(now: 100.5)
        #expect(first && !early)
        #expect(timer.nextPing == 101)
        let second = timer.isDue(now: 101.2)
        #expect(second)
        #expect(timer.nextPing == 102.2)
    }

    @Test("children do not inherit the variables systemd meant for the main process")
    func mainProcessEnvironment() {
        let environment = ["PATH=/bin", "NOTIFY_SOCKET=/run/x", "WATCHDOG_USEC=1", "WATCHDOG_PID=2", "LISTEN_FDS=1",
                           "LISTEN_PID=3", "LISTEN_FDNAMES=lmtp", "JOURNAL_STREAM=8:9", "NOTIFY_SOCKETS=kept"]
        #expect(MainProcessEnvironment.removing(from: environment) == ["PATH=/bin", "JOURNAL_STREAM=8:9", "NOTIFY_SOCKETS=kept"])
    }
}
