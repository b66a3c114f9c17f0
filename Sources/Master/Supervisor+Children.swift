import Glibc
import Logging
import ServiceContract

/// Status messages and child exits: the READY/BUSY accounting of every listener (an EVENTS
/// run's exit goes to ``ScheduledEvents``).
extension Supervisor {
    /// Reads every status pipe until EAGAIN and applies the messages.
    func drainStatusPipes() {
        for listener in listeners {
            guard let pipe = listener.statusPipe else { continue }
            let batch = pipe.drain()
            if batch.strayBytes > 0 {
                logger.error("service \(listener.label): got incorrectly sized response from child (\(batch.strayBytes) stray bytes)")
            }
            for message in batch.messages { apply(message, from: listener) }
        }
    }

    /// Cyrus's `process_msg()`: AVAILABLE makes a BUSY child READY, UNAVAILABLE a READY child
    /// BUSY, CONNECTION counts a connection (and forces BUSY), CONNECTION_MULTI counts one
    /// and keeps the child READY. Messages of children already reaped are ignored.
    func apply(_ message: StatusMessage, from listener: Listener) {
        guard var child = children[message.pid], child.listener == listener.id else {
            logger.debug("service \(listener.label): message \(message.code) from pid \(message.pid), which is not a live child of it: ignored")
            return
        }
        child.started = true
        let who = "service \(listener.label) pid \(message.pid) in \(child.state.rawValue) state"
        switch message.knownCode {
        case .available:
            if child.state == .busy {
                child.state = .ready
                listener.ready += 1
            } else {
                logger.error("\(who): sent AVAILABLE but is already READY")
            }
        case .unavailable:
            if child.state == .ready {
                child.state = .busy
                listener.ready -= 1
            } else {
                logger.error("\(who): sent UNAVAILABLE but is already BUSY")
            }
        case .connection:
            listener.connections += 1
            if child.state == .ready {
                logger.error("\(who): serving a connection without sending UNAVAILABLE first")
                child.state = .busy
                listener.ready -= 1
            }
        case .connectionMulti:
            listener.connections += 1
            if child.state == .busy {
                logger.error("\(who): sent CONNECTION_MULTI while BUSY")
                child.state = .ready
                listener.ready += 1
            }
        case nil:
            logger.critical("\(who): unrecognized message \(message.code)")
        }
        children[message.pid] = child
    }

    /// Reaps every exited child without blocking.
    func reapChildren(now: Double) {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid > 0 {
                childExited(pid: pid, exit: ChildExit(waitStatus: status), now: now)
            } else if pid < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    /// Bookkeeping and logging for one exited child; applies the READY-failure throttle.
    func childExited(pid: Int32, exit: ChildExit, now: Double) {
        if events.exited(pid: pid, exit: exit) { return }
        metrics?.childReaped(pid: pid)
        guard let record = children.remove(pid) else {
            logger.debug("process \(pid) (not a service child) \(exit.text)")
            return
        }
        guard let listener = listener(record.listener) else {
            logger.info("pid \(pid) of a forgotten service \(exit.text)")
            return
        }
        listener.active -= 1
        if record.state == .ready { listener.ready -= 1 }
        listener.lastExit = exit
        let who = "\(listener.isDaemon ? "daemon" : "service") \(listener.label) pid \(pid) in \(record.state.rawValue) state"
        // A child that had not installed its handlers yet dies of the SIGHUP a reload sent
        // it: that is the reload, not a failure of the program.
        let diedOfReload = record.hangupSentAt != nil && exit == .signaled(SIGHUP, coreDumped: false)
        let quiet = shutdown != nil || listener.state == .removed || diedOfReload
        if exit.isFailure && !quiet {
            logger.error("\(who) \(exit.text)")
        } else {
            logger.info("\(who) \(exit.text)")
        }
        guard exit.isFailure, !quiet else { return }
        switch record.state {
        case .ready:
            logger.warning("\(who): terminated abnormally")
            if listener.throttle.recordFailure(now: now), listener.state == .active {
                logger.error("too many failures for service \(listener.label), disabling until next SIGHUP")
                listener.disable("too many failures")
            }
        case .busy:
            logger.notice("\(who): terminated abnormally")
        }
    }
}
