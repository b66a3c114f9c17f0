import Logging
import Systemd

/// The supervisor's side of ``ServiceManagerLink``: called from the loop every pass, on SIGHUP
/// and when a shutdown begins. `READY=1` waits until every active service has
/// `min(prefork, room under maxchild)` children started since the last reload (see
/// ``ChildStartProbe``; a disabled service does not hold it back).
extension Supervisor {
    /// One pass: a due watchdog ping, `READY=1` when owed and earned, the `STATUS=` line.
    func serviceManagerPass(now: Double) {
        guard manager.isActive else { return }
        if manager.watchdog?.isDue(now: now) == true { Notifier.watchdogPing() }
        switch manager.phase {
        case .awaitingReadiness(let since):
            noteStartedChildren()
            let waiting = servicesAwaitingChildren()
            let timedOut = now - since >= manager.readinessTimeout
            guard waiting.isEmpty || timedOut else {
                offerStatus(statusLine(), now: now)
                return
            }
            if !waiting.isEmpty {
                logger.warning("children of \(waiting.joined(separator: ", ")) not started after \(seconds(manager.readinessTimeout)): telling systemd the service is ready anyway")
            }
            let line = statusLine()
            Notifier.ready(status: line)
            manager.status.record(line, now: now)
            manager.phase = .ready
        case .ready:
            offerStatus(statusLine(), now: now)
        case .stopping:
            offerStatus(StatusLine.stopping(children: children.count), now: now)
        }
    }

    /// SIGHUP: `RELOADING=1` (with `MONOTONIC_USEC`); `READY=1` is owed again.
    func serviceManagerReloading(now: Double) {
        guard manager.isActive else { return }
        Notifier.reloading()
        manager.phase = .awaitingReadiness(since: now)
    }

    /// A shutdown begins: `STOPPING=1` with the draining status.
    func serviceManagerStopping(now: Double) {
        guard manager.isActive, manager.phase != .stopping else { return }
        let line = StatusLine.stopping(children: children.count)
        Notifier.stopping(status: line)
        manager.status.record(line, now: now)
        manager.phase = .stopping
    }

    /// The `STATUS=` line: each SERVICES entry in file order with its children and connections
    /// summed over its addresses, then the entries with no listener left running.
    func statusLine() -> String {
        var running: [StatusLine.Service] = []
        var disabled: [String] = []
        for definition in configuration.services {
            let live = liveListeners(of: definition.key)
            guard live.contains(where: { $0.state == .active }) else {
                disabled.append(definition.name)
                continue
            }
            let ready = live.reduce(0) { $0 + $1.ready }
            let active = live.reduce(0) { $0 + $1.active }
            let served = live.reduce(0) { $0 + $1.connections }
            running.append(StatusLine.Service(name: definition.name, ready: ready, busy: active - ready, served: served))
        }
        return StatusLine.render(running, disabled: disabled)
    }

    private func offerStatus(_ line: String, now: Double) {
        if let line = manager.status.offer(line, now: now) { Notifier.status(line) }
    }

    /// Marks the children of services that have started since the last look.
    private func noteStartedChildren() {
        let services = Set(listeners.filter { !$0.isDaemon }.map(\.id))
        children.updateAll { record in
            guard !record.started, services.contains(record.listener) else { return }
            if ChildStartProbe.hasStarted(record.pid) { record.started = true }
        }
    }

    /// Labels of the active service listeners still short of started children.
    private func servicesAwaitingChildren() -> [String] {
        listeners.filter { $0.state == .active && !$0.isDaemon && $0.socketFD >= 0 }.compactMap { listener in
            let own = children.children(of: listener.id)
            let finishing = own.filter { $0.hangupSentAt != nil }.count
            let room = listener.settings.maxchild == Int.max ? Int.max : max(0, listener.settings.maxchild - finishing)
            let wanted = min(listener.settings.prefork, room)
            let started = own.filter { $0.started && $0.hangupSentAt == nil }.count
            return started >= wanted ? nil : listener.label
        }
    }
}
