/// "Nothing is logged when maxchild is reached" (cyrus-imapd issue 1138): a listener with no
/// ready child and `maxchild` busy ones leaves new clients waiting in the listen queue. Each
/// time that begins is counted (`minimaster_maxchild_reached_total`), and a warning is logged
/// at most once a minute per listener.
extension Supervisor {
    /// A `maxchild` warning is logged at most this often per listener (seconds).
    static let maxchildWarningInterval: Double = 60

    /// Looks at `listener` after a spawn pass.
    func noteSaturation(of listener: Listener, now: Double) {
        let maxchild = listener.settings.maxchild
        let saturated = !listener.isDaemon && maxchild > 0 && maxchild != Int.max
            && listener.ready == 0 && listener.active >= maxchild
        defer { listener.atMaxchild = saturated }
        guard saturated, !listener.atMaxchild else { return }
        listener.maxchildReached += 1
        if now - (listener.lastMaxchildWarning ?? -.infinity) >= Self.maxchildWarningInterval {
            listener.lastMaxchildWarning = now
            logger.warning("service \(listener.label): maxchild (\(maxchild)) reached, \(listener.active) children busy; new connections wait")
        }
    }
}
