import DuplicateStore
import Glibc
import Logging
import POSIXCore
import Synchronization

/// Cyrus's duplicate suppression (`duplicatesuppression`) for one lmtpd process: the
/// database (SQLite, or PostgreSQL with `duplicate_db: sql`) is opened on first use and kept
/// (statements prepared, connection made once per process).
///
/// Database trouble never loses mail: when the database cannot be used (a broken file, a
/// PostgreSQL server down), messages are delivered without suppression (and the error is
/// logged), so at worst a duplicate is stored.
public final class DuplicateFilter: Sendable {
    /// What to do with one target of a message.
    enum Verdict: Equatable {
        /// Store it; `claimed` when the key was claimed and must be finished afterwards.
        case deliver(claimed: Bool)
        /// Already delivered: acknowledge, store nothing.
        case suppress
        /// Another process is still delivering it: answer with a temporary failure.
        case busy
    }

    /// Where the records are: the SQLite file at `duplicate_db_path`, or PostgreSQL.
    public let location: DuplicateDatabaseLocation
    /// The SQLite file, nil for PostgreSQL.
    public var path: String? { location.path }
    /// Records older than this many seconds are expired (`duplicate_max_age`); 0: never.
    public let maximumAge: Int
    /// How long to wait (seconds) for another process delivering the same message.
    let waitLimit: Double
    private let opened = Mutex<(any DuplicateDatabase)?>(nil)

    public init(location: DuplicateDatabaseLocation, maximumAge: Int, waitLimit: Double = 30) {
        self.location = location
        self.maximumAge = maximumAge
        self.waitLimit = waitLimit
    }

    /// The SQLite file at `path`.
    public convenience init(path: String, maximumAge: Int, waitLimit: Double = 30) {
        self.init(location: .sqlite(path: path), maximumAge: maximumAge, waitLimit: waitLimit)
    }

    /// Claims the keys of one message (one per distinct target). Keys another process is
    /// delivering are asked again every few milliseconds until they are settled or
    /// `waitLimit` passes.
    func claim(_ keys: [DuplicateKey], logger: Logger) -> [Verdict] {
        guard !keys.isEmpty else { return [] }
        guard let store = store(logger) else { return keys.map { _ in .deliver(claimed: false) } }
        var verdicts = [Verdict](repeating: .busy, count: keys.count)
        var pending = Array(keys.indices)
        let deadline = MonotonicClock.now() + waitLimit
        while !pending.isEmpty {
            let outcomes: [ClaimOutcome]
            do {
                outcomes = try store.claim(pending.map { keys[$0] })
            } catch {
                logger.error("duplicate database unusable, delivering without suppression: \(error)")
                for index in pending { verdicts[index] = .deliver(claimed: false) }
                return verdicts
            }
            var stillBusy: [Int] = []
            for (index, outcome) in zip(pending, outcomes) {
                switch outcome {
                case .claimed: verdicts[index] = .deliver(claimed: true)
                case .delivered: verdicts[index] = .suppress
                case .inProgress: stillBusy.append(index)
                }
            }
            pending = stillBusy
            if pending.isEmpty || MonotonicClock.now() > deadline { break }
            logger.debug("waiting for another process delivering the same message", metadata: ["keys": "\(pending.count)"])
            sleepUninterrupted(milliseconds: 10)
        }
        for index in pending {
            logger.warning("message still being delivered by another process: \(keys[index])")
        }
        return verdicts
    }

    /// Records the outcome of the keys this process claimed.
    func finish(delivered: [DuplicateKey], failed: [DuplicateKey], logger: Logger) {
        guard !delivered.isEmpty || !failed.isEmpty, let store = store(logger) else { return }
        do {
            try store.finish(delivered: delivered, failed: failed)
        } catch {
            logger.error("cannot record deliveries in the duplicate database: \(error)")
        }
    }

    /// The open store, opening it on first use (a failed open is tried again next time).
    func store(_ logger: Logger) -> (any DuplicateDatabase)? {
        opened.withLock { store in
            if let store { return store }
            do {
                let fresh = try location.open(maximumAge: maximumAge)
                store = fresh
                return fresh
            } catch {
                logger.error("cannot open the duplicate database, delivering without suppression: \(error)")
                return nil
            }
        }
    }
}
