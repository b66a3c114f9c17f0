/// The variables systemd addresses to the main process only: the notification socket, the
/// watchdog, the passed sockets. A supervisor's children must not inherit them (they would
/// otherwise notify on the master's behalf, or take its sockets).
public enum MainProcessEnvironment {
    public static let names = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"]

    /// `KEY=value` entries without the main-process variables.
    public static func removing(from environment: [String]) -> [String] {
        environment.filter { entry in !names.contains { entry.hasPrefix($0 + "=") } }
    }
}
