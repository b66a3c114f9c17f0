import Glibc
import Logging
import POSIXCore

/// Where a shutdown is (SIGTERM, SIGINT or SIGQUIT).
struct ShutdownState {
    enum Phase {
        /// Services and ordinary daemons were sent SIGTERM; waiting up to the deadline.
        case draining
        /// The deadline passed: the rest got SIGKILL; waiting for them to be reaped.
        case killing
    }

    var signal: Int32
    var deadline: Double
    /// Listening sockets are shut down once a listener has no idle child left, at the latest
    /// at this time (idle children first see their SIGTERM, instead of an accept error).
    var socketsCloseAt: Double
    var phase: Phase = .draining
    /// After SIGKILL, stop waiting at this time even if a process is stuck.
    var giveUpAt: Double?

    /// When the loop must look again even without events.
    var nextWake: Double { min(giveUpAt ?? deadline, deadline, socketsCloseAt) }
}

/// Shutdown (Cyrus's is in docs/cyrus-compatibility.md §2.9; ours differs as §6 says): log,
/// SIGTERM every child individually (not the process group: minimaster is often started from a
/// shell or a test), shut down the listening sockets so new clients are refused rather than
/// queued (each as soon as its idle children are gone, at most 0.2 s later; a socket systemd
/// passed is only closed in master, so its new clients wait for the next instance instead),
/// wait for the children up to the drain deadline (sessions in progress finish; lmtpd answers a
/// message in progress before it leaves), SIGKILL what is left, then stop `wait=y` daemons in
/// reverse start order. EVENTS runs still going are children like the others (Cyrus signals
/// them with its process group but does not wait for them); no event starts any more.
extension Supervisor {
    func beginShutdown(signal: Int32, now: Double) {
        let name = strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)"
        if shutdown != nil {
            logger.warning("\(name) again while shutting down: killing the remaining \(plural(childCount, "child", "children")) now")
            killRemaining(now: now)
            return
        }
        logger.notice("attempting clean shutdown on signal \(signal) (\(name))")
        serviceManagerStopping(now: now)
        shutdown = ShutdownState(signal: signal, deadline: now + settings.drainTimeout, socketsCloseAt: now + 0.2)
        let waiting = Set(waitDaemons)
        children.updateAll { record in
            guard !waiting.contains(record.listener) else { return }
            kill(record.pid, SIGTERM)
            record.terminateSent = true
        }
        for pid in events.stop() { kill(pid, SIGTERM) }
        closeSockets(now: now)
        if childCount > 0 {
            logger.info("waiting up to \(seconds(settings.drainTimeout)) for \(plural(childCount, "child", "children")) to finish")
        }
    }

    /// One shutdown pass; returns the exit status once everything has stopped.
    func shutdownStep(now: Double) -> Int32? {
        guard var state = shutdown else { return nil }
        defer { shutdown = state }
        closeSockets(now: now)
        let waiting = Set(waitDaemons)
        let ordinary = children.all.filter { !waiting.contains($0.listener) }
        if state.phase == .killing, let giveUp = state.giveUpAt, now >= giveUp {
            logger.error("\(plural(childCount, "child", "children")) did not exit after SIGKILL; exiting anyway")
            return MasterExit.ok
        }
        if !ordinary.isEmpty || !events.runningPIDs.isEmpty {
            if now >= state.deadline && state.phase == .draining {
                logger.warning("\(plural(childCount, "child", "children")) still running after \(seconds(settings.drainTimeout)): sending SIGKILL")
                state.phase = .killing
                state.giveUpAt = now + 5
                killEveryChild()
            }
            return nil
        }
        // Wait-daemons last, one at a time, the last started first.
        for id in waitDaemons.reversed() {
            let alive = children.children(of: id)
            guard !alive.isEmpty else { continue }
            for var record in alive where !record.terminateSent {
                kill(record.pid, SIGTERM)
                record.terminateSent = true
                children[record.pid] = record
            }
            if now >= state.deadline && state.phase == .draining {
                state.phase = .killing
                state.giveUpAt = now + 5
                killEveryChild()
            }
            return nil
        }
        logger.notice("All children have exited, closing down")
        return MasterExit.ok
    }

    /// Shuts down the listening sockets of listeners without idle children (all of them once
    /// the grace time is over): new clients are refused from then on.
    private func closeSockets(now: Double) {
        guard let state = shutdown else { return }
        for listener in listeners where listener.socketFD >= 0 && (listener.ready == 0 || now >= state.socketsCloseAt) {
            listener.closeSocket()
        }
    }

    private func killRemaining(now: Double) {
        guard var state = shutdown else { return }
        killEveryChild()
        state.phase = .killing
        state.deadline = min(state.deadline, now)
        state.giveUpAt = now + 5
        shutdown = state
    }
}

extension Supervisor {
    /// Live children: services', daemons' and EVENTS runs.
    var childCount: Int { children.count + events.runningPIDs.count }

    /// SIGKILL to every live child.
    private func killEveryChild() {
        for record in children.all { kill(record.pid, SIGKILL) }
        for pid in events.runningPIDs { kill(pid, SIGKILL) }
    }
}

/// `1 child`, `3 children`.
func plural(_ count: Int, _ one: String, _ many: String) -> String {
    "\(count) \(count == 1 ? one : many)"
}

/// Seconds for a log line: `30 s`, `0.5 s`.
func seconds(_ value: Double) -> String {
    value == value.rounded() && value < 1e9 ? "\(Int(value)) s" : "\(value) s"
}
