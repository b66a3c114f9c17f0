import Metrics
import POSIXCore

/// What `GET /metrics` answers: minimaster's view of each SERVICES and DAEMON entry under
/// Cyrus's names and labels (`service`, `family`), what it counts itself, and the sums of its
/// children's counters (``MasterMetrics/childTotals()``) under Cyrus's `cyrus_lmtp_*` names
/// plus ours (`lmtpd_*`, `minimaster_*`). No label names a user.
enum MetricsReport {
    static func render(_ supervisor: Supervisor, _ metrics: MasterMetrics, format: MetricsExposition.Format,
                       now: Double = MonotonicClock.now()) -> String {
        var out = MetricsExposition(format: format)
        master(supervisor, metrics, now: now, into: &out)
        children(metrics.childTotals(), into: &out)
        return out.finish()
    }

    private static func master(_ supervisor: Supervisor, _ metrics: MasterMetrics, now: Double, into out: inout MetricsExposition) {
        let listeners = supervisor.listeners
        func labels(_ listener: Listener) -> MetricsExposition.Labels {
            [("service", listener.key.name), ("family", listener.family.rawValue)]
        }
        func gauge(_ name: String, _ help: String, _ value: (Listener) -> Double) {
            out.gauge(name, help, listeners.map { (labels($0), value($0)) })
        }
        func counter(_ name: String, _ help: String, _ value: (Listener) -> UInt64) {
            out.counter(name, help, listeners.map { (labels($0), value($0)) })
        }
        gauge("cyrus_master_ready_workers", "The number of ready workers") { Double($0.ready) }
        gauge("cyrus_master_active_children", "The number of children servicing clients") { Double($0.active) }
        gauge("cyrus_master_max_children", "The maximum number of child processes") {
            $0.settings.maxchild == Int.max || $0.settings.maxchild < 0 ? .infinity : Double($0.settings.maxchild)
        }
        counter("cyrus_master_forks_total", "The number of children spawned") { UInt64($0.forks) }
        gauge("cyrus_master_forks_per_second", "The rate at which we're spawning children (last 10 s)") { $0.recentForks.rate(now: now) }
        gauge("cyrus_master_max_forks_per_second", "The maximum rate at which we will spawn children (0: no limit)") {
            Double($0.settings.maxforkrate)
        }
        counter("cyrus_master_ready_fails_total", "The number of failures in READY state") { UInt64($0.throttle.total) }
        counter("minimaster_maxchild_reached_total", "Times every child was busy at maxchild while clients could wait") {
            $0.maxchildReached
        }
        out.counter("minimaster_reloads_total", "Configurations reloaded by SIGHUP", [([], metrics.reloads)])
        out.gauge("minimaster_configuration_load_seconds", "Seconds the last configuration load took",
                  [([], metrics.configurationLoadSeconds)])
        out.gauge("minimaster_configuration_generation", "Configurations loaded since start (1 at start)",
                  [([], Double(supervisor.generation))])
    }

    private static func children(_ totals: [UInt64], into out: inout MetricsExposition) {
        func word(_ slot: SlotWord) -> UInt64 { totals[slot.rawValue] }
        out.counter("cyrus_lmtp_connections_total", "The total number of LMTP connections", [([], word(.connections))])
        out.gauge("cyrus_lmtp_active_connections", "The number of active LMTP connections",
                  [([], Double(word(.activeConnection)))])
        out.counter("cyrus_lmtp_authenticate_total", "The total number of LMTP AUTHENTICATEs",
                    [([("result", "yes")], word(.authSuccess)), ([("result", "no")], word(.authFailure))])
        out.counter("cyrus_lmtp_received_messages_total", "The number of messages received", [([], word(.messages))])
        out.counter("cyrus_lmtp_received_bytes_total", "The number of received bytes", [([], word(.bytes))])
        out.counter("cyrus_lmtp_received_recipients_total", "The number of received recipients", [([], word(.recipients))])
        let sieve: [(String, SlotWord)] = [("keep", .sieveKeep), ("fileinto", .sieveFileinto), ("redirect", .sieveRedirect),
                                           ("reject", .sieveReject), ("discard", .sieveDiscard), ("autorespond", .sieveVacation)]
        for (action, slot) in sieve {
            out.counter("cyrus_lmtp_sieve_\(action)_total", "The number of sieve \(action.uppercased())s", [([], word(slot))])
        }
        out.counter("lmtpd_deliveries_total", "Recipient outcomes, as the delivery log line names them",
                    OutcomeIndex.names.enumerated().map { ([("status", $1)], totals[SlotWord.outcomes.rawValue + $0]) })
        out.counter("lmtpd_starttls_total", "STARTTLS handshakes by result",
                    [([("result", "yes")], word(.startTLSSuccess)), ([("result", "no")], word(.startTLSFailure))])
        histogram("lmtpd_delivery_latency_seconds", "Seconds from a message's end to its replies", .latency, totals, into: &out)
        histogram("lmtpd_message_size_bytes", "Sizes of received messages", .size, totals, into: &out)
        out.gauge("minimaster_counting_children", "Children counting into the shared region now",
                  [([], Double(word(.owner)))])
    }

    private static func histogram(_ name: String, _ help: String, _ histogram: Histogram, _ totals: [UInt64],
                                  into out: inout MetricsExposition) {
        let first = histogram.first.rawValue
        out.histogram(name, help, bounds: histogram.bounds,
                      buckets: Array(totals[first..<(first + histogram.bounds.count + 1)]),
                      sum: Double(totals[histogram.sumWord]) / histogram.sumScale, count: totals[histogram.countWord])
    }
}
