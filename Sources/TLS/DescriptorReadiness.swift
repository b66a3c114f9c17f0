import Glibc

/// Waiting for one descriptor with `poll`, retried after signals, up to a monotonic deadline.
public enum DescriptorReadiness {
    public enum Outcome: Equatable {
        case ready
        case timedOut
        case failed(String)
    }

    /// Waits until `fd` has one of `events` (or an error/hangup, which the next I/O call
    /// reports), or the deadline (seconds on `MonotonicTime`; nil = none) passes.
    public static func wait(fd: Int32, events: Int16, until deadline: Double?) -> Outcome {
        while true {
            var timeout: Int32 = -1
            if let deadline {
                let left = deadline - MonotonicTime.now()
                if left <= 0 { return .timedOut }
                timeout = Int32(clamping: Int((left * 1000).rounded(.up)))
            }
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&pfd, 1, timeout)
            if ready > 0 { return .ready }
            if ready == 0 { continue }
            if errno == EINTR { continue }
            return .failed(String(cString: strerror(errno)))
        }
    }
}

/// Seconds on the monotonic clock.
public enum MonotonicTime {
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
