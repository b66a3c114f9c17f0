import DuplicateStore
import Logging

/// What a delivery writes to the duplicate database after its replies are on their way: the
/// outcome of its duplicate claims (delivered: the record stands; failed: the claim is released)
/// and the Sieve tracking records of recipients that sent nothing (`duplicate`).
///
/// None of them changes a reply already given, and a crash before they are written costs at
/// most a second copy later, never a message: an unfinished claim of a dead process is taken
/// over by the next delivery of that message (``DuplicateStore``). Writing them after the
/// replies (``MaildirDeliveryAgent/repliesSent()``) takes two SQLite transactions off the time
/// a client waits for its `250`. They are written before the next delivery plans or claims
/// anything, so a session never sees its own earlier message as still in progress.
struct DeferredRecords {
    var delivered: [DuplicateKey] = []
    var failed: [DuplicateKey] = []
    var tracking: [TrackingRecord] = []

    var isEmpty: Bool { delivered.isEmpty && failed.isEmpty && tracking.isEmpty }

    /// Writes everything (claims through `duplicates`, tracking records through `tracker`) and
    /// empties the list. Database errors are logged by the filters, as when written at once.
    mutating func write(duplicates: DuplicateFilter?, tracker: DuplicateFilter?, logger: Logger) {
        guard !isEmpty else { return }
        duplicates?.finish(delivered: delivered, failed: failed, logger: logger)
        tracker?.track(tracking, logger: logger)
        self = DeferredRecords()
    }
}
