import Glibc
import POSIXCore
import Testing

@Suite("poll with a deadline, the monotonic clock")
struct PollTests {
    @Test("the monotonic clock does not go back, and its two units agree")
    func clock() {
        let a = MonotonicClock.now()
        let micro = MonotonicClock.microseconds()
        let b = MonotonicClock.now()
        #expect(b >= a)
        #expect(abs(Double(micro) / 1e6 - a) < 1)
        let wall = RealtimeClock.now()
        #expect(wall.seconds > 1_700_000_000 && (0..<1_000_000).contains(wall.microseconds))
    }

    @Test("nothing to read: the wait times out at the deadline, not before")
    func timesOut() throws {
        let pipe = try makePipe()
        defer { close(pipe.read); close(pipe.write) }
        let start = MonotonicClock.now()
        let outcome = DescriptorReadiness.wait(fd: pipe.read, events: Int16(POLLIN), until: start + 0.2)
        let waited = MonotonicClock.now() - start
        #expect(outcome == .timedOut)
        #expect(waited >= 0.2 && waited < 2)
    }

    @Test("a deadline already passed times out without waiting; readable data is ready")
    func passedAndReady() throws {
        let pipe = try makePipe()
        defer { close(pipe.read); close(pipe.write) }
        var fds = [pollfd(fd: pipe.read, events: Int16(POLLIN), revents: 0)]
        #expect(Poll.once(&fds, until: MonotonicClock.now() - 1) == .timedOut)
        try writeAll(pipe.write, "x")
        #expect(Poll.once(&fds, until: MonotonicClock.now() + 5) == .ready(1))
        #expect(fds[0].revents & Int16(POLLIN) != 0)
        #expect(DescriptorReadiness.wait(fd: pipe.read, events: Int16(POLLIN), until: nil) == .ready)
    }

    @Test("only the first `count` descriptors are polled")
    func count() throws {
        let idle = try makePipe()
        let busy = try makePipe()
        defer { [idle.read, idle.write, busy.read, busy.write].forEach { close($0) } }
        try writeAll(busy.write, "x")
        var fds = [pollfd(fd: idle.read, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: busy.read, events: Int16(POLLIN), revents: 0)]
        #expect(Poll.once(&fds, count: 1, until: MonotonicClock.now() + 0.05) == .timedOut)
        #expect(Poll.once(&fds, until: MonotonicClock.now() + 0.05) == .ready(1))
    }
}

@Suite("sleeping")
struct SleepTests {
    @Test("sleepUninterrupted sleeps at least the time asked")
    func sleeps() {
        let start = MonotonicClock.now()
        sleepUninterrupted(milliseconds: 1_050)
        let slept = MonotonicClock.now() - start
        #expect(slept >= 1.05 && slept < 3)
    }
}
