import Glibc

/// `minimaster status`: a ``StatusSnapshot`` as text for a person. A head (process, user,
/// uptime, configuration generation, when it was loaded, children of older generations), then
/// one table per section: SERVICES (one row per listener), DAEMON and EVENTS (left out when
/// cyrus.conf has none).
///
/// ```
/// minimaster pid 4242 as cyrus (uid 105), up 2 h 5 min
/// configuration /etc/cyrus.conf: generation 2, loaded 2025-05-04 10:12:07 CEST (reload)
/// children of older generations still running: 1
///
/// SERVICE        LISTEN                  READY  BUSY  MAXCHILD  FORKS  RATE/MAX  FAILED  SERVED  STATE
/// lmtpunix/unix  /run/cyrus/socket/lmtp      1     2        10     14    0.3/10       0      12  active
/// ```
public enum StatusText {
    /// The text, ending with a newline. `formatTime` writes a wall-clock time (by default
    /// local time with the zone, to the second).
    public static func render(_ snapshot: StatusSnapshot, formatTime: (Double) -> String = localTime) -> String {
        var lines = head(snapshot, formatTime: formatTime)
        lines.append("")
        lines += services(snapshot.services)
        if !snapshot.daemons.isEmpty {
            lines.append("")
            lines += daemons(snapshot.daemons)
        }
        if !snapshot.events.isEmpty {
            lines.append("")
            lines += events(snapshot.events, formatTime: formatTime)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func head(_ snapshot: StatusSnapshot, formatTime: (Double) -> String) -> [String] {
        let user = snapshot.user.map { "\($0) (uid \(snapshot.uid))" } ?? "uid \(snapshot.uid)"
        var lines = [
            "minimaster pid \(snapshot.pid) as \(user), up \(duration(snapshot.now - snapshot.startedAt))",
            "configuration \(snapshot.configuration): generation \(snapshot.generation), loaded "
                + "\(formatTime(snapshot.loadedAt)) (\(snapshot.generation == 1 ? "start" : "reload"))",
            "children of older generations still running: \(snapshot.childrenToRecycle)",
        ]
        if snapshot.shuttingDown { lines.append("shutting down: waiting for the children to finish") }
        return lines
    }

    private static func services(_ services: [StatusSnapshot.Service]) -> [String] {
        guard !services.isEmpty else { return ["SERVICES: none"] }
        let rows = services.map { service -> [String] in
            let name = service.family.isEmpty ? service.name : "\(service.name)/\(service.family)"
            let listen = service.systemdSocket == nil ? service.listen : "\(service.listen) (from systemd)"
            let (state, reason) = StatusJSON.stateAndReason(service.state)
            let maxRate = service.maxforkrate > 0 ? String(service.maxforkrate) : "-"
            return [name, listen, String(service.ready), String(service.busy), service.maxchild.map(String.init) ?? "-",
                    String(service.forks), "\(rate(service.forkRate))/\(maxRate)", String(service.readyFailures),
                    String(service.served), reason.map { "\(state): \($0)" } ?? state]
        }
        return table(["SERVICE", "LISTEN", "READY", "BUSY", "MAXCHILD", "FORKS", "RATE/MAX", "FAILED", "SERVED", "STATE"],
                     rows, rightAligned: [2, 3, 4, 5, 6, 7, 8])
    }

    private static func daemons(_ daemons: [StatusSnapshot.Daemon]) -> [String] {
        let rows = daemons.map { daemon in
            [daemon.name, daemon.state.rawValue, daemon.pid.map { String($0) } ?? "-", String(daemon.starts),
             daemon.lastExit ?? "-"]
        }
        return table(["DAEMON", "STATE", "PID", "STARTS", "LAST EXIT"], rows, rightAligned: [2, 3])
    }

    private static func events(_ events: [StatusSnapshot.Event], formatTime: (Double) -> String) -> [String] {
        let rows = events.map { event in
            let last = event.runningPID.map { "running, pid \($0)" } ?? event.lastExit ?? "-"
            return [event.name, event.timing, event.lastRun.map(formatTime) ?? "never", last,
                    event.nextRun.map(formatTime) ?? "-"]
        }
        return table(["EVENT", "TIMING", "LAST RUN", "LAST EXIT", "NEXT RUN"], rows, rightAligned: [])
    }

    /// Columns two spaces apart, each as wide as its widest cell; no trailing blanks.
    static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int>) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                if column > 0 { line += "  " }
                line += rightAligned.contains(column) ? padding + cell : cell + padding
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    /// `0.3`: one decimal.
    static func rate(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// `42 s`, `5 min 2 s`, `2 h 5 min`, `3 d 4 h`.
    static func duration(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded(.down)))
        let (days, hours, minutes, rest) = (total / 86_400, total / 3600 % 24, total / 60 % 60, total % 60)
        if days > 0 { return "\(days) d \(hours) h" }
        if hours > 0 { return "\(hours) h \(minutes) min" }
        if minutes > 0 { return "\(minutes) min \(rest) s" }
        return "\(rest) s"
    }

    /// `2025-05-04 10:12:07 CEST`: the C library's local time (`TZ`, else /etc/localtime).
    public static func localTime(_ instant: Double) -> String {
        var time = time_t(instant.rounded(.down))
        var local = tm()
        guard localtime_r(&time, &local) != nil else { return "\(Int(instant))" }
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S %Z", &local)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
