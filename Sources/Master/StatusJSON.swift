/// `minimaster status --json`: a ``StatusSnapshot`` as one JSON object. Times are seconds
/// since 1970 (UTC) as numbers, absent values `null`; the members are those of the text
/// format (``StatusText``), named as in the snapshot.
public enum StatusJSON {
    /// The object, with a final newline.
    public static func render(_ snapshot: StatusSnapshot) -> String {
        value(snapshot).text + "\n"
    }

    static func value(_ snapshot: StatusSnapshot) -> JSONValue {
        .object([
            ("pid", .int(Int(snapshot.pid))),
            ("uid", .int(Int(snapshot.uid))),
            ("user", .optional(snapshot.user, JSONValue.string)),
            ("startedAt", time(snapshot.startedAt)),
            ("now", time(snapshot.now)),
            ("configuration", .string(snapshot.configuration)),
            ("generation", .int(snapshot.generation)),
            ("loadedAt", time(snapshot.loadedAt)),
            ("childrenToRecycle", .int(snapshot.childrenToRecycle)),
            ("shuttingDown", .bool(snapshot.shuttingDown)),
            ("services", .array(snapshot.services.map(service))),
            ("daemons", .array(snapshot.daemons.map(daemon))),
            ("events", .array(snapshot.events.map(event))),
        ])
    }

    private static func service(_ service: StatusSnapshot.Service) -> JSONValue {
        let (state, reason) = stateAndReason(service.state)
        return .object([
            ("name", .string(service.name)),
            ("family", .string(service.family)),
            ("listen", .string(service.listen)),
            ("systemdSocket", .optional(service.systemdSocket, JSONValue.string)),
            ("ready", .int(service.ready)),
            ("busy", .int(service.busy)),
            ("prefork", .int(service.prefork)),
            ("maxchild", .optional(service.maxchild, JSONValue.int)),
            ("forks", .int(service.forks)),
            ("forkRate", .double(service.forkRate)),
            ("maxforkrate", .int(service.maxforkrate)),
            ("readyFailures", .int(service.readyFailures)),
            ("served", .int(service.served)),
            ("state", .string(state)),
            ("disabledReason", .optional(reason, JSONValue.string)),
        ])
    }

    private static func daemon(_ daemon: StatusSnapshot.Daemon) -> JSONValue {
        .object([
            ("name", .string(daemon.name)),
            ("state", .string(daemon.state.rawValue)),
            ("pid", .optional(daemon.pid) { .int(Int($0)) }),
            ("starts", .int(daemon.starts)),
            ("lastExit", .optional(daemon.lastExit, JSONValue.string)),
        ])
    }

    private static func event(_ event: StatusSnapshot.Event) -> JSONValue {
        .object([
            ("name", .string(event.name)),
            ("command", .array(event.command.map(JSONValue.string))),
            ("timing", .string(event.timing)),
            ("lastRun", .optional(event.lastRun, time)),
            ("lastExit", .optional(event.lastExit, JSONValue.string)),
            ("lastExitFailed", .bool(event.lastExitFailed)),
            ("runningPid", .optional(event.runningPID) { .int(Int($0)) }),
            ("nextRun", .optional(event.nextRun, time)),
        ])
    }

    /// `active`, `disabled` (with its reason), `removed`, `not listening`.
    static func stateAndReason(_ state: StatusSnapshot.Service.State) -> (String, String?) {
        switch state {
        case .active: return ("active", nil)
        case .disabled(let reason): return ("disabled", reason)
        case .removed: return ("removed", nil)
        case .notListening: return ("not listening", nil)
        }
    }

    /// Seconds since 1970 to the millisecond.
    private static func time(_ seconds: Double) -> JSONValue {
        .double((seconds * 1000).rounded() / 1000)
    }
}
