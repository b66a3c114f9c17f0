import Glibc
import POSIXCore
import Testing
@testable import Master

@Suite("event wait: the loop's one poll over its sources")
struct EventWaitTests {
    /// Records what the wait told it.
    final class RecordingSource: EventSource {
        var fds: [Int32] = []
        var deadline: Double?
        private(set) var ready: [(fd: Int32, events: Int16)] = []
        private(set) var reachedAt: [Double] = []

        init(fds: [Int32] = [], deadline: Double? = nil) {
            self.fds = fds
            self.deadline = deadline
        }

        func register(in wait: EventWait, now: Double) {
            for fd in fds { wait.watch(fd, for: self) }
            if let deadline { wait.wake(at: deadline, for: self) }
        }

        func descriptorReady(_ fd: Int32, events: Int16, now: Double) { ready.append((fd, events)) }
        func deadlineReached(now: Double) { reachedAt.append(now) }
    }

    func pipeWithByte(_ written: Bool) throws -> (read: Int32, write: Int32) {
        let fds = try makePipe()
        if written { _ = write(fds.write, "x", 1) }
        return fds
    }

    @Test("a readable descriptor reaches the source that registered it, and only that one")
    func readyDescriptor() throws {
        let quiet = try pipeWithByte(false), busy = try pipeWithByte(true)
        defer { [quiet.read, quiet.write, busy.read, busy.write].forEach { close($0) } }
        let a = RecordingSource(fds: [quiet.read]), b = RecordingSource(fds: [busy.read])
        let wait = EventWait()
        a.register(in: wait, now: MonotonicClock.now())
        b.register(in: wait, now: MonotonicClock.now())
        let start = MonotonicClock.now()
        wait.run()
        #expect(MonotonicClock.now() - start < 1, "a ready descriptor must end the wait at once")
        #expect(a.ready.isEmpty)
        #expect(b.ready.map(\.fd) == [busy.read])
        #expect(b.ready.first.map { $0.events & Int16(POLLIN) != 0 } == true)
    }

    @Test("the earliest deadline ends the wait; only reached deadlines are reported")
    func deadlines() {
        let now = MonotonicClock.now()
        let soon = RecordingSource(deadline: now + 0.05), later = RecordingSource(deadline: now + 30)
        let wait = EventWait()
        soon.register(in: wait, now: now)
        later.register(in: wait, now: now)
        #expect(wait.earliestDeadline == now + 0.05)
        wait.run()
        let waited = MonotonicClock.now() - now
        #expect(waited >= 0.05 && waited < 5, "waited \(waited) s")
        #expect(soon.reachedAt.count == 1)
        #expect(soon.reachedAt.allSatisfy { $0 >= now + 0.05 })
        #expect(later.reachedAt.isEmpty)
    }

    @Test("a deadline already past does not wait at all")
    func pastDeadline() {
        let now = MonotonicClock.now()
        let overdue = RecordingSource(deadline: now - 10)
        let wait = EventWait()
        overdue.register(in: wait, now: now)
        wait.run()
        #expect(MonotonicClock.now() - now < 1)
        #expect(overdue.reachedAt.count == 1)
    }

    @Test("each turn starts empty: what a source registered is polled once")
    func turnsStartEmpty() throws {
        let busy = try pipeWithByte(true)
        defer { close(busy.read); close(busy.write) }
        let source = RecordingSource(fds: [busy.read], deadline: MonotonicClock.now() - 1)
        let wait = EventWait()
        source.register(in: wait, now: MonotonicClock.now())
        #expect(wait.watchedDescriptors == [busy.read])
        wait.run()
        #expect(wait.watchedDescriptors.isEmpty)
        #expect(wait.earliestDeadline == .infinity)
        // A second turn with nothing registered by this source: nothing more is reported.
        let other = RecordingSource(deadline: MonotonicClock.now() - 1)
        other.register(in: wait, now: MonotonicClock.now())
        wait.run()
        #expect(source.ready.count == 1 && source.reachedAt.count == 1)
        #expect(other.reachedAt.count == 1)
    }

    @Test("a wake timer wakes the loop at its deadline, and not at all without one")
    func wakeTimer() {
        let timer = WakeTimer()
        let wait = EventWait()
        timer.register(in: wait, now: MonotonicClock.now())
        #expect(wait.earliestDeadline == .infinity)
        timer.deadline = 42
        timer.register(in: wait, now: MonotonicClock.now())
        #expect(wait.earliestDeadline == 42)
    }
}
