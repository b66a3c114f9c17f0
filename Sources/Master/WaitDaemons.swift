import Glibc
import Logging
import POSIXCore

/// `wait=y` DAEMON entries (`master/master.c: spawn_waitdaemon()`): started one by one,
/// after the sockets are bound and before any service child; each gets a pipe as fd 3 and
/// must write exactly `ok\r\n` on it, or master gives up. Later restarts do not wait.
extension Supervisor {
    /// Starts every `wait=y` daemon; false (logged) when one did not report ready.
    func startWaitDaemons() -> Bool {
        for listener in listeners where listener.isDaemon && listener.definition.waitForReady {
            guard startWaitDaemon(listener) else { return false }
            waitDaemons.append(listener.id)
        }
        return true
    }

    private func startWaitDaemon(_ listener: Listener) -> Bool {
        let fds: (read: Int32, write: Int32)
        do {
            fds = try makePipe()
        } catch {
            logger.critical("daemon \(listener.label): unable to create pipe: \(error.text)")
            return false
        }
        defer { close(fds.read) }
        let started = spawnChild(of: listener, now: MonotonicClock.now(), statusFD: fds.write)
        close(fds.write)
        guard started else { return false }
        let answer = readAnswer(fds.read, deadline: MonotonicClock.now() + settings.waitDaemonTimeout)
        guard answer == Array("ok\r\n".utf8) else {
            let shown = String(decoding: answer, as: UTF8.self).debugDescription
            logger.critical("daemon \(listener.label) did not report ready (wanted \"ok\\r\\n\" on fd 3, got \(shown))")
            for record in children.children(of: listener.id) { kill(record.pid, SIGTERM) }
            return false
        }
        logger.info("daemon \(listener.label) reported ready")
        return true
    }

    /// Up to 4 bytes, until end of file or the deadline.
    private func readAnswer(_ fd: Int32, deadline: Double) -> [UInt8] {
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while answer.count < 4 {
            var pfd = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            // One poll waits at most a minute; when that passes, the wait ends.
            switch Poll.once(&pfd, until: min(deadline, MonotonicClock.now() + 60)) {
            case .ready: break
            case .interrupted: continue
            case .timedOut, .failed: return answer
            }
            let n = read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            guard n == 1 else { break }
            answer.append(byte)
        }
        return answer
    }
}
