import Glibc
import POSIXCore

/// One turn's wait of the supervision loop: the descriptors and deadlines the
/// ``EventSource``s registered, one `poll` until a descriptor is ready or the earliest deadline
/// (at most ``longestWait``), then each source hears what concerns it. The loop keeps one
/// instance: its lists are emptied with their capacity kept, so a turn allocates nothing once
/// they have grown to the number of sources.
final class EventWait {
    /// The longest single wait in seconds: the loop runs at least this often.
    static let longestWait = 60.0

    private var descriptors: [pollfd] = []
    private var descriptorOwners: [any EventSource] = []
    private var deadlines: [(source: any EventSource, at: Double)] = []
    /// The earliest registered deadline (infinity: none).
    private(set) var earliestDeadline = Double.infinity

    /// Polls `fd` for `events` (readable by default) on behalf of `source`.
    func watch(_ fd: Int32, events: Int16 = Int16(POLLIN), for source: any EventSource) {
        descriptors.append(pollfd(fd: fd, events: events, revents: 0))
        descriptorOwners.append(source)
    }

    /// Wakes the loop at monotonic time `deadline` on behalf of `source`.
    func wake(at deadline: Double, for source: any EventSource) {
        deadlines.append((source, deadline))
        earliestDeadline = min(earliestDeadline, deadline)
    }

    /// The descriptors registered so far this turn.
    var watchedDescriptors: [Int32] { descriptors.map(\.fd) }

    /// Waits, tells the sources what happened (ready descriptors in registration order, then
    /// reached deadlines), and empties the lists for the next turn.
    func run() {
        let remaining = earliestDeadline - MonotonicClock.now()
        let longest = Int32(Self.longestWait * 1000)
        // One millisecond more than asked: a wake-up never comes a hair before its deadline.
        let timeout = remaining.isFinite ? Int32(max(0, min(remaining * 1000 + 1, Double(longest)))) : longest
        let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
        let now = MonotonicClock.now()
        if ready > 0 {
            for index in descriptors.indices where descriptors[index].revents != 0 {
                descriptorOwners[index].descriptorReady(descriptors[index].fd, events: descriptors[index].revents, now: now)
            }
        }
        for (source, deadline) in deadlines where deadline <= now {
            source.deadlineReached(now: now)
        }
        descriptors.removeAll(keepingCapacity: true)
        descriptorOwners.removeAll(keepingCapacity: true)
        deadlines.removeAll(keepingCapacity: true)
        earliestDeadline = .infinity
    }
}
