import Logging
import Metrics
import POSIXCore

/// minimaster's side of the metrics: the shared counter region its children count into, the
/// counts of children already gone (folded in when each is reaped, so a restart of a child,
/// even by SIGKILL, loses nothing it had counted), and what minimaster counts itself.
final class MasterMetrics {
    let region: CounterRegion
    /// The folded slots of reaped children.
    private var retained = [UInt64](repeating: 0, count: SlotWord.count)
    /// Successful SIGHUP reloads.
    var reloads: UInt64 = 0
    /// Seconds the last successful configuration load took (start or reload).
    var configurationLoadSeconds: Double = 0
    init(region: CounterRegion) {
        self.region = region
    }

    /// A fresh region (`prometheus_enabled`); nil, logged, when none can be made.
    static func create(logger: Logger) -> MasterMetrics? {
        do throws(Errno) {
            return MasterMetrics(region: try CounterRegion.create())
        } catch {
            logger.error("metrics: unable to create the shared counter region: \(error.text); no metrics")
            return nil
        }
    }

    /// A child was reaped: its slot's counts join the retained totals and the slot is freed.
    func childReaped(pid: Int32) {
        region.release(pid: pid, into: &retained)
    }

    /// Every child counter: the retained totals plus the living children's slots (the gauge
    /// word, and the owner word as the number of counting children, from the living only).
    func childTotals() -> [UInt64] {
        var totals = region.liveSum()
        for word in 1..<SlotWord.count where word != SlotWord.activeConnection.rawValue {
            totals[word] &+= retained[word]
        }
        return totals
    }
}
