import CSystemd
import Glibc
import POSIXCore

/// sd_notify(3): tells the service manager about readiness, reloads, shutdown and status.
/// Without `NOTIFY_SOCKET` (no systemd, or not Type=notify) every call is a silent no-op.
public enum Notifier {
    /// Whether a service manager listens (NOTIFY_SOCKET is set).
    public static var isActive: Bool { getenv("NOTIFY_SOCKET") != nil }

    /// Sends newline-separated `KEY=value` assignments; returns false when nothing was sent.
    @discardableResult
    public static func send(_ assignments: [String]) -> Bool {
        guard isActive, !assignments.isEmpty else { return false }
        return sd_notify(0, assignments.joined(separator: "\n")) > 0
    }

    /// `READY=1`, with a status line.
    public static func ready(status: String? = nil) {
        send(["READY=1"] + (status.map { ["STATUS=" + $0] } ?? []))
    }

    /// `RELOADING=1` with `MONOTONIC_USEC` (systemd 253's Type=notify-reload wants it).
    public static func reloading() {
        send(["RELOADING=1", "MONOTONIC_USEC=\(MonotonicClock.microseconds())"])
    }

    /// `STOPPING=1`.
    public static func stopping(status: String? = nil) {
        send(["STOPPING=1"] + (status.map { ["STATUS=" + $0] } ?? []))
    }

    /// `STATUS=<line>`: what `systemctl status` shows.
    public static func status(_ line: String) {
        send(["STATUS=" + line])
    }

    /// `MAINPID=<pid>`, for a daemon that forked away from the started process.
    public static func mainPID(_ pid: pid_t) {
        send(["MAINPID=\(pid)"])
    }

    /// `WATCHDOG=1`.
    public static func watchdogPing() {
        send(["WATCHDOG=1"])
    }
}
