/// Identifies a listener (or daemon) for the lifetime of the supervisor.
public typealias ListenerID = Int

/// What master believes a child is doing (`master/master.c`'s centry states).
public enum ChildState: String, Sendable {
    /// Forked, or announced AVAILABLE: waiting for a connection. Counted from the fork on
    /// (a child never announces its first readiness). Daemons stay READY.
    case ready = "READY"
    /// Announced UNAVAILABLE (it accepted a connection) and has not become AVAILABLE again.
    case busy = "BUSY"
}

/// One live child.
public struct ChildRecord: Sendable, Equatable {
    public var pid: Int32
    public var listener: ListenerID
    public var state: ChildState
    /// Monotonic time of the fork.
    public var startedAt: Double
    /// Monotonic time SIGHUP was sent (reload), nil if never.
    public var hangupSentAt: Double?
    /// Whether the janitor already reported it as lingering after a SIGHUP.
    public var reportedLingering = false
    /// SIGTERM was sent (shutdown).
    public var terminateSent = false
    /// Seen running the service's own code (``ChildStartProbe``, or it sent a status message).
    public var started = false

    public init(pid: Int32, listener: ListenerID, state: ChildState = .ready, startedAt: Double) {
        self.pid = pid
        self.listener = listener
        self.state = state
        self.startedAt = startedAt
    }
}

/// Every live child of the supervisor, by pid.
public struct ChildProcessTable: Sendable {
    private var records: [Int32: ChildRecord] = [:]

    public init() {}

    public var count: Int { records.count }
    public var isEmpty: Bool { records.isEmpty }
    public var all: [ChildRecord] { Array(records.values) }
    public var pids: [Int32] { Array(records.keys) }

    public subscript(pid: Int32) -> ChildRecord? {
        get { records[pid] }
        set { records[pid] = newValue }
    }

    public mutating func insert(_ record: ChildRecord) {
        records[record.pid] = record
    }

    @discardableResult
    public mutating func remove(_ pid: Int32) -> ChildRecord? {
        records.removeValue(forKey: pid)
    }

    /// The children of one listener.
    public func children(of listener: ListenerID) -> [ChildRecord] {
        records.values.filter { $0.listener == listener }
    }

    /// Applies `change` to every record.
    public mutating func updateAll(_ change: (inout ChildRecord) -> Void) {
        for pid in Array(records.keys) {
            if var record = records[pid] {
                change(&record)
                records[pid] = record
            }
        }
    }
}
