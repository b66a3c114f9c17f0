import Glibc
import POSIXCore
import Logging

/// SIGHUP (`master/master.c: reread_conf()`, docs/cyrus-compatibility.md §2.8): re-read
/// cyrus.conf; every live service or daemon child gets SIGHUP (idle ones exit and are
/// replaced, busy ones finish their session); entries with the same name, listen and proto
/// keep their sockets (no client is refused) and take the new values; removed entries close
/// their sockets and go with their last child; new ones are bound; EVENTS are scheduled anew
/// (`period` and one-shot entries run at once, as in Cyrus; an event run still going is left
/// alone). Deviation from Cyrus: a configuration that cannot be loaded (syntax error, missing
/// program) is logged and the running one is kept, with its schedule, instead of exiting.
extension Supervisor {
    func reload(now: Double) {
        logger.notice("SIGHUP: reloading \(configuration.path)")
        serviceManagerReloading(now: now)
        let new: MasterConfiguration
        let loadStarted = MonotonicClock.now()
        do throws(MasterConfiguration.Problem) {
            new = try MasterConfiguration.load(path: configuration.path, lookup: settings.lookup)
            metrics?.reloads += 1
            metrics?.configurationLoadSeconds = MonotonicClock.now() - loadStarted
        } catch {
            for message in error.messages { logger.error("\(message)") }
            logger.error("configuration not reloaded: keeping the running configuration")
            return
        }
        for warning in new.warnings { logger.warning("\(warning)") }
        let plan = ReloadPlan.make(running: configuration.definitions, new: new.definitions)

        children.updateAll { record in
            kill(record.pid, SIGHUP)
            record.hangupSentAt = now
        }
        for key in plan.removed {
            for listener in liveListeners(of: key) {
                listener.state = .removed
                listener.closeSocket()
                if listener.isPassed {
                    logger.warning("service \(listener.label) removed: systemd still listens on \(listener.spec?.description ?? "its socket") (remove it from the socket unit too)")
                }
                if listener.isDaemon {
                    for child in children.children(of: listener.id) { kill(child.pid, SIGTERM) }
                }
                logger.notice("\(listener.isDaemon ? "daemon" : "service") \(listener.label) removed from the configuration: socket closed, \(listener.active) children finishing")
            }
            waitDaemons.removeAll { id in listener(id)?.key == key }
        }
        for kept in plan.kept {
            let running = liveListeners(of: kept.definition.key)
            for listener in running {
                listener.apply(kept.definition)
                if case .disabled = listener.state { reopen(listener) }
            }
            if kept.changed {
                logger.notice("\(kept.definition.isDaemon ? "daemon" : "service") \(kept.definition.name) changed: new children run \(kept.definition.settings.argv.joined(separator: " "))")
            }
            if !kept.definition.isDaemon {
                // Addresses that failed to bind before get another chance.
                createListeners(for: kept.definition, skipping: running.compactMap(\.spec))
            } else if running.isEmpty {
                createListeners(for: kept.definition)
            }
        }
        for definition in plan.added {
            createListeners(for: definition)
            logger.notice("\(definition.isDaemon ? "daemon" : "service") \(definition.name) added")
        }
        configuration = new
        generation += 1
        loadedAt = ScheduledEvents.wallClock()
        events.load(new.events)
    }
}
