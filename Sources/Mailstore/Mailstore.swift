#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import POSIXCore
import Synchronization

/// One message stored for one mailbox.
public struct DeliveredMessage: Sendable, Equatable {
    /// The mailbox it was delivered to.
    public let mailbox: MailboxAddress
    /// The folder it was delivered to, nil for the INBOX.
    public let folder: FolderName?
    /// The file's full path in that Maildir's `new/` (its name ends in `,S=<size>`), or in
    /// `cur/` when it was stored with flags (`,S=<size>:2,<letters>`).
    public let path: String
    /// The message size in bytes (the file's exact size).
    public let size: Int
    /// True when the file shares the spool's inode (hard link), false when it was copied
    /// (another filesystem, or too many links).
    public let hardLinked: Bool
}

/// Maildir delivery with fsync discipline.
///
/// A message is written once into a uniquely named file in a Maildir's `tmp/`
/// (`openSpool(in:)`), made durable, then hard-linked (or, across filesystems, copied and
/// fsynced) into each recipient Maildir's `new/`; each `new/` is fsynced before that
/// recipient's success is reported (`deliver(_:to:)`). `new/` only ever receives complete,
/// fsynced files, so a crash at any instant leaves nothing partial there and loses no
/// acknowledged message; leftovers in `tmp/` are swept after 36 hours, never delivered.
///
/// Thread-safe: the only shared state (the set of swept Maildirs) is locked. A `SpoolFile`
/// itself belongs to one thread at a time.
public final class Mailstore: Sendable {
    /// The configuration this store was made with.
    public let config: MailstoreConfig
    private let template: PathTemplate
    /// The escaped host part of unique names.
    private let host: String

    /// Maildir's rule: a `tmp/` file untouched this long (seconds) is abandoned.
    public static let staleTemporaryFileAge = 36 * 3600
    /// A long-running process sweeps a Maildir's `tmp/` again after this many seconds.
    static let resweepInterval = 6 * 3600
    /// At most this many swept Maildirs are remembered (then the memory starts afresh).
    static let sweepMemoryLimit = 4096
    /// Attempts at a fresh unique name before giving up with `EEXIST`.
    static let nameAttempts = 64

    /// When this process last swept each Maildir's `tmp/`.
    private let lastSweep = Mutex<[String: Int]>([:])

    /// A store for `config`. Check `config.problem()` first: with a malformed template every
    /// mailbox is `.invalidMailbox`.
    public init(config: MailstoreConfig) {
        self.config = config
        self.template = PathTemplate(config.pathTemplate)
        self.host = UniqueName.escapedHost(config.hostname)
    }

    /// The Maildir directory of `mailbox`, or nil when the template cannot place it safely.
    public func maildirPath(for mailbox: MailboxAddress) -> String? {
        template.path(for: mailbox, root: config.partitionRoot)
    }

    /// Whether `mailbox` has a Maildir: its `cur`, `new` and `tmp` are directories.
    public func mailboxExists(_ mailbox: MailboxAddress) -> Bool {
        guard let path = maildirPath(for: mailbox) else { return false }
        return Maildir(path: path).exists
    }

    /// Creates `mailbox`'s Maildir (parents included, mode 0700) and makes the new directory
    /// entries durable. Succeeds without change when it already exists.
    public func createMailbox(_ mailbox: MailboxAddress) throws(StoreError) {
        guard let path = maildirPath(for: mailbox) else { throw .invalidMailbox }
        try Maildir(path: path).create(durable: config.fsync)
    }

    /// A new, empty spool file in `mailbox`'s `tmp/` (mode 0600, a fresh unique name).
    /// The first spool a process opens in a Maildir also sweeps that `tmp/` of stale files.
    public func openSpool(in mailbox: MailboxAddress) throws(StoreError) -> SpoolFile {
        try openSpool(in: MailboxTarget(mailbox))
    }

    /// A new, empty spool file in the `tmp/` of `target` (its INBOX or folder), as
    /// `openSpool(in:)` for a mailbox.
    public func openSpool(in target: MailboxTarget) throws(StoreError) -> SpoolFile {
        guard let path = directory(of: target) else { throw .invalidMailbox }
        let maildir = Maildir(path: path)
        sweepIfDue(maildir)
        let flags = O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC
        for _ in 0..<Mailstore.nameAttempts {
            let file = maildir.tmp + "/" + UniqueName.make(host: host)
            let fd = openRetrying(file, flags, 0o600)
            if fd >= 0 { return SpoolFile(fd: fd, path: file, maildir: maildir) }
            let code = errno
            if code == EEXIST { continue }
            throw classify(code, operation: "create \(file)", maildir: maildir)
        }
        throw exhausted(maildir.tmp)
    }

    /// Delivers the spooled message to each mailbox, in order, and consumes the spool.
    ///
    /// The spool is flushed and fsynced once; then each mailbox gets a hard link (or a fsynced
    /// copy) in its `new/` under a fresh `<secs>.M<usecs>P<pid>Q<n>.<host>,S=<size>` name;
    /// then each distinct `new/` directory is fsynced once. Only then is a mailbox's result a
    /// success. A failing mailbox gets its own error (and none of its files stay in `new/`);
    /// the others are unaffected. Finally the spool is removed from `tmp/`.
    public func deliver(_ spool: SpoolFile, to mailboxes: [MailboxAddress]) -> [Result<DeliveredMessage, StoreError>] {
        deliver(spool, to: mailboxes.map { MailboxTarget($0) })
    }

    /// Delivers the spooled message to each target (an INBOX or a folder's `new/`), exactly as
    /// `deliver(_:to:)` does for INBOXes, and consumes the spool.
    public func deliver(_ spool: SpoolFile, to mailboxes: [MailboxTarget]) -> [Result<DeliveredMessage, StoreError>] {
        deliver(spool, to: mailboxes.map { StoreRequest($0) })
    }

    /// Delivers the spooled message as each request says (a target and the flags to store it
    /// with), as `deliver(_:to:)` does, and consumes the spool. A copy with flags goes to the
    /// target's `cur/` under `<name>:2,<letters>` (keywords through the Maildir's
    /// `dovecot-keywords`); `cur/` is then fsynced like `new/`.
    public func deliver(_ spool: SpoolFile, to mailboxes: [StoreRequest]) -> [Result<DeliveredMessage, StoreError>] {
        defer { spool.discard() }
        do throws(StoreError) {
            try spool.makeDurable(fsync: config.fsync)
        } catch {
            return Array(repeating: .failure(error), count: mailboxes.count)
        }
        var results: [Result<DeliveredMessage, StoreError>] = []
        var directories: [String?] = []
        results.reserveCapacity(mailboxes.count)
        directories.reserveCapacity(mailboxes.count)
        for mailbox in mailboxes {
            switch place(spool, into: mailbox) {
            case .success(let placed):
                results.append(.success(placed.message))
                directories.append(placed.newDirectory)
            case .failure(let error):
                results.append(.failure(error))
                directories.append(nil)
            }
        }
        if config.fsync { syncDirectories(&results, directories) }
        return results
    }

    /// Drops a spool without delivering it: closes and unlinks its file.
    public func discard(_ spool: SpoolFile) {
        spool.discard()
    }

    /// Removes files in `mailbox`'s `tmp/` neither read nor modified for `seconds` (default
    /// 36 hours). Returns how many were removed. Such files are never delivered.
    @discardableResult
    public func sweepStaleTemporaryFiles(in mailbox: MailboxAddress, olderThan seconds: Int = Mailstore.staleTemporaryFileAge) -> Int {
        guard let path = maildirPath(for: mailbox) else { return 0 }
        let now = RealtimeClock.now().seconds
        lastSweep.withLock { Self.remember(path, at: now, in: &$0) }
        return Maildir(path: path).sweepTemporaryFiles(olderThan: seconds, now: now)
    }

    // MARK: - Placing one copy

    private struct Placement {
        var message: DeliveredMessage
        /// The directory that received the file (`new/`, or `cur/` with flags).
        var newDirectory: String
    }

    /// Where a copy goes: `new/` without flags; `cur/` with the info suffix `:2,<letters>`
    /// (system flags, then keyword letters) with flags.
    private struct Destination {
        var directory: String
        var suffix: String
    }

    private func destination(_ request: StoreRequest, in maildir: Maildir) throws(StoreError) -> Destination {
        guard !request.flags.isEmpty else { return Destination(directory: maildir.new, suffix: "") }
        var letters = request.flags.system.sorted().map(\.rawValue).joined()
        if !request.flags.keywords.isEmpty {
            let keywords = try DovecotKeywords.letters(for: request.flags.keywords, maildir: maildir.path, fsync: config.fsync)
            letters += keywords.letters
        }
        return Destination(directory: maildir.cur, suffix: ":2," + letters)
    }

    /// Hard-links the spool into the target's `new/` (or `cur/`), or copies it when linking is
    /// impossible.
    private func place(_ spool: SpoolFile, into request: StoreRequest) -> Result<Placement, StoreError> {
        let mailbox = request.target
        guard let path = directory(of: mailbox) else { return .failure(.invalidMailbox) }
        let maildir = Maildir(path: path)
        let place: Destination
        do throws(StoreError) {
            place = try destination(request, in: maildir)
        } catch {
            return .failure(error)
        }
        for _ in 0..<Mailstore.nameAttempts {
            let target = place.directory + "/" + UniqueName.make(host: host, size: spool.size) + place.suffix
            switch linkRetrying(spool.path, target) {
            case 0:
                return .success(placement(mailbox, target, spool.size, place.directory, linked: true))
            case EEXIST:
                continue
            case EXDEV, EMLINK, EPERM, ENOTSUP:
                return copy(spool, into: maildir, place, for: mailbox)
            case let code:
                return .failure(classify(code, operation: "link \(spool.path) to \(target)", maildir: maildir))
            }
        }
        return .failure(exhausted(place.directory))
    }

    /// Copies the spool into the Maildir's own `tmp/`, fsyncs the copy, then moves it into
    /// `new/` (or `cur/`). On any error the copy is removed.
    private func copy(_ spool: SpoolFile, into maildir: Maildir, _ place: Destination,
                      for mailbox: MailboxTarget) -> Result<Placement, StoreError> {
        var temporary = ""
        var fd: Int32 = -1
        for _ in 0..<Mailstore.nameAttempts {
            temporary = maildir.tmp + "/" + UniqueName.make(host: host)
            fd = openRetrying(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if fd >= 0 { break }
            let code = errno
            if code == EEXIST { continue }
            return .failure(classify(code, operation: "create \(temporary)", maildir: maildir))
        }
        if fd < 0 { return .failure(exhausted(maildir.tmp)) }
        do throws(StoreError) {
            try spool.copy(to: fd, destinationPath: temporary)
            if config.fsync { try fsyncRetrying(fd, path: temporary) }
            let closed = close(fd)
            fd = -1
            if closed != 0 && errno != EINTR { throw StoreError.fromErrno(errno, operation: "close \(temporary)") }
            let target = try move(temporary, into: place, of: maildir, size: spool.size)
            return .success(placement(mailbox, target, spool.size, place.directory, linked: false))
        } catch {
            closeQuietly(fd)
            unlinkQuietly(temporary)
            return .failure(error)
        }
    }

    /// Moves a complete file from `tmp/` into `new/` (or `cur/`) under a fresh final name:
    /// `link` (which refuses to replace an existing name) then `unlink`; `rename` where links
    /// are unsupported. Returns the final path.
    private func move(_ temporary: String, into place: Destination, of maildir: Maildir, size: Int) throws(StoreError) -> String {
        for _ in 0..<Mailstore.nameAttempts {
            let target = place.directory + "/" + UniqueName.make(host: host, size: size) + place.suffix
            switch linkRetrying(temporary, target) {
            case 0:
                unlinkQuietly(temporary)
                return target
            case EEXIST:
                continue
            case EPERM, ENOTSUP:
                let code = renameRetrying(temporary, target)
                if code == 0 { return target }
                throw StoreError.fromErrno(code, operation: "rename \(temporary) to \(target)")
            case let code:
                throw classify(code, operation: "link \(temporary) to \(target)", maildir: maildir)
            }
        }
        throw exhausted(place.directory)
    }

    private func placement(_ target: MailboxTarget, _ path: String, _ size: Int, _ directory: String, linked: Bool) -> Placement {
        Placement(
            message: DeliveredMessage(mailbox: target.mailbox, folder: target.folder, path: path, size: size, hardLinked: linked),
            newDirectory: directory)
    }

    /// Fsyncs each distinct `new/` directory that received a file, once, after all links.
    /// A mailbox whose directory cannot be synced fails, and its file is taken back out of
    /// `new/` (it was not acknowledged).
    private func syncDirectories(_ results: inout [Result<DeliveredMessage, StoreError>], _ directories: [String?]) {
        var outcome: [String: StoreError?] = [:]
        for index in results.indices {
            guard case .success(let message) = results[index], let directory = directories[index] else { continue }
            let failure: StoreError?
            if let known = outcome[directory] {
                failure = known
            } else {
                do throws(StoreError) {
                    try fsyncDirectory(directory)
                    failure = nil
                } catch {
                    failure = error
                }
                outcome[directory] = .some(failure)
            }
            if let failure {
                unlinkQuietly(message.path)
                results[index] = .failure(failure)
            }
        }
    }

    // MARK: - Errors and sweeping

    /// `ENOENT`/`ENOTDIR` on a Maildir whose directory is gone mean the mailbox is missing;
    /// anything else is classified by `errno`.
    private func classify(_ code: Int32, operation: String, maildir: Maildir) -> StoreError {
        if (code == ENOENT || code == ENOTDIR) && maildir.isMissing { return .mailboxMissing }
        return StoreError.fromErrno(code, operation: operation)
    }

    private func exhausted(_ directory: String) -> StoreError {
        .io(operation: "make a unique name in \(directory)", errno: EEXIST, message: errnoText(EEXIST))
    }

    /// Sweeps the Maildir's `tmp/` the first time this process uses it (and again after
    /// `resweepInterval` in a long-running process).
    private func sweepIfDue(_ maildir: Maildir) {
        let now = RealtimeClock.now().seconds
        let due = lastSweep.withLock { swept -> Bool in
            if let last = swept[maildir.path], now - last < Mailstore.resweepInterval { return false }
            Self.remember(maildir.path, at: now, in: &swept)
            return true
        }
        if due { _ = maildir.sweepTemporaryFiles(olderThan: Mailstore.staleTemporaryFileAge, now: now) }
    }

    /// Records a sweep in the (bounded) memory of swept Maildirs.
    private static func remember(_ path: String, at now: Int, in swept: inout [String: Int]) {
        if swept[path] == nil && swept.count >= Mailstore.sweepMemoryLimit {
            swept.removeAll(keepingCapacity: true)
        }
        swept[path] = now
    }
}
