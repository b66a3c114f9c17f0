import Foundation
import Glibc
import POSIXCore

/// Waits until `fd` is readable (or has an error or hangup, which the next read reports), up
/// to `end`; false when `end` passed first. Signals do not end the wait.
func waitReadable(_ fd: Int32, until end: Date) -> Bool {
    DescriptorReadiness.wait(fd: fd, events: Int16(POLLIN), until: MonotonicClock.now() + end.timeIntervalSinceNow) == .ready
}
