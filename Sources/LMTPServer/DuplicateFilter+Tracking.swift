import DuplicateStore
import Logging

/// One Sieve tracking record: a key seen until `expires` (unix seconds).
struct TrackingRecord: Equatable, Hashable {
    var key: String
    var expires: Int
}

/// Sieve's tracking records (vacation intervals, `duplicate`, redirects) in the same database
/// as duplicate suppression. A database that cannot be used is logged and counts as "not seen"
/// (at worst a second vacation reply), never as a failed delivery.
extension DuplicateFilter {
    /// Whether `key` was tracked and has not expired.
    func isTracked(_ key: String, logger: Logger) -> Bool {
        guard let store = store(logger) else { return false }
        do {
            return try store.isTracked(key)
        } catch {
            logger.error("cannot read Sieve tracking records: \(error)")
            return false
        }
    }

    /// Records `records` (after the delivery that asked for them succeeded).
    func track(_ records: [TrackingRecord], logger: Logger) {
        guard !records.isEmpty, let store = store(logger) else { return }
        do {
            try store.track(records.map { ($0.key, $0.expires) })
        } catch {
            logger.error("cannot record Sieve tracking records: \(error)")
        }
    }

    /// Forgets `records` again (their action failed; a retry must be free to do it).
    func untrack(_ records: [TrackingRecord], logger: Logger) {
        guard !records.isEmpty, let store = store(logger) else { return }
        do {
            try store.untrack(records.map(\.key))
        } catch {
            logger.error("cannot remove Sieve tracking records: \(error)")
        }
    }
}
