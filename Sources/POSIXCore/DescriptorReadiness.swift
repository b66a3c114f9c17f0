// POSIXCore: depends on libc (Glibc) and CShims only; nothing else of ours.
import Glibc

/// `poll(2)` with a deadline on the monotonic clock instead of a timeout.
public enum Poll {
    public enum Outcome: Equatable, Sendable {
        /// `poll` returned this many descriptors with events (see their `revents`).
        case ready(Int32)
        /// The deadline passed (before the call, or while it waited).
        case timedOut
        /// A signal interrupted the wait (`EINTR`): the caller decides whether to go on.
        case interrupted
        case failed(Errno)
    }

    /// One `poll` of the first `count` entries of `fds` (all of them by default), returning no
    /// later than `deadline` (seconds on ``MonotonicClock``; nil waits without limit).
    public static func once(_ fds: inout [pollfd], count: Int? = nil, until deadline: Double?) -> Outcome {
        var timeout: Int32 = -1
        if let deadline {
            let left = deadline - MonotonicClock.now()
            if left <= 0 { return .timedOut }
            timeout = Int32(clamping: Int((left * 1000).rounded(.up)))
        }
        let ready = poll(&fds, nfds_t(count ?? fds.count), timeout)
        if ready > 0 { return .ready(ready) }
        if ready == 0 { return .timedOut }
        let code = errno
        return code == EINTR ? .interrupted : .failed(Errno(code))
    }
}

/// Waiting for one descriptor with `poll`, retried after signals, up to a monotonic deadline.
public enum DescriptorReadiness {
    public enum Outcome: Equatable, Sendable {
        case ready
        case timedOut
        case failed(String)
    }

    /// Waits until `fd` has one of `events` (or an error/hangup, which the next I/O call
    /// reports), or the deadline (seconds on ``MonotonicClock``; nil = none) passes.
    public static func wait(fd: Int32, events: Int16, until deadline: Double?) -> Outcome {
        var pfd = [pollfd(fd: fd, events: events, revents: 0)]
        while true {
            switch Poll.once(&pfd, until: deadline) {
            case .ready: return .ready
            case .timedOut: return .timedOut
            case .interrupted: continue
            case .failed(let error): return .failed(error.text)
            }
        }
    }
}
