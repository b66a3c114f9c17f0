import Glibc
import LMTP
import Logging
import Mailstore
import Metrics
import POSIXCore
import Sieve

/// The Sieve stage of the delivery pipeline: each recipient's active script (Cyrus's or
/// Dovecot's layout, ``SieveScriptLocator``), compiled once per process (``SieveScriptCache``),
/// runs for that recipient alone, and its actions become the recipient's ``DeliveryPlan``.
///
/// As Cyrus's lmtpd: no script, or one that does not compile (logged with file and line),
/// delivers normally; a runtime failure delivers to the INBOX with the keyword `$SieveFailed`.
/// Shared-folder recipients (`+folder@host`) have no script.
struct SieveFilter: DeliveryFilter {
    let store: Mailstore
    let settings: SieveSettings
    let locator: SieveScriptLocator
    let cache: SieveScriptCache
    /// Vacation intervals, `duplicate`, redirects already made (nil: nothing is tracked).
    let tracking: DuplicateFilter?
    let separator: HierarchySeparator
    let servername: String
    var clock: WallClock = .system
    let messageIDs: MessageIDGenerator
    let logger: Logger
    /// Where the actions of each run are counted (nil: not counted).
    var counters: ChildCounters?

    /// The keyword of a copy delivered after the script failed at run time.
    static let failureKeyword = "$SieveFailed"

    func plan(for recipient: AcceptedRecipient<Destination>, envelope: Envelope, message: SpooledMessage) -> DeliveryPlan {
        guard case .user(let mailbox, _) = recipient.resolved, let script = locator.activeScript(for: mailbox) else { return .keep }
        let user = mailbox.qualifiedUser
        let limits = self.limits
        let locator = self.locator
        let entry = cache.script(script.path, maxBytes: settings.maxScriptBytes, limits: limits, includePath: { name, location in
            location == .global ? locator.globalScript(named: name) : locator.personalScript(named: name, of: script)
        }, read: Self.readScript)
        switch entry {
        case .none:
            return .keep
        case .failed(let reason)?:
            logger.error("sieve parse error for \(user): \(reason)")
            return .keep
        case .compiled(let compiled)?:
            guard let bytes = message.bytes else { return failed(user, envelope, "the message cannot be read back") }
            let now = clock.now()
            let parsed = SieveMessage(bytes: bytes)
            let result = SieveRunner.run(compiled, message: parsed,
                                         envelope: SieveEnvelope(from: envelope.sender, to: recipient.recipient.address,
                                                                 auth: envelope.authorizedIdentity),
                                         context: context(for: mailbox, recipient: recipient.recipient, now: now))
            if let counters { SharedSessionMetrics.count(result.actions, into: counters) }
            if result.status == .runtimeError {
                return failed(user, envelope, result.errors.map(\.description).joined(separator: "; "))
            }
            var translation = SieveTranslation(filter: self, mailbox: mailbox, recipient: recipient.recipient,
                                               envelope: envelope, message: parsed, now: now)
            return translation.plan(result)
        }
    }

    /// The implicit keep with `$SieveFailed`, logged as Cyrus logs it.
    func failed(_ user: String, _ envelope: Envelope, _ reason: String) -> DeliveryPlan {
        logger.error("sieve runtime error for \(user) id \(envelope.messageID ?? "<nomsgid>"): \(reason)")
        return DeliveryPlan(copies: [.init(placement: .inbox, flags: MessageFlags(keywords: [Self.failureKeyword]))], refusal: nil)
    }

    /// The run limits imapd.conf sets (Pigeonhole's defaults for the rest).
    var limits: SieveLimits {
        var limits = SieveLimits()
        limits.maxScriptSizeKB = max(1, settings.maxScriptBytes / 1024)
        limits.vacationMinResponse = settings.vacationMinimum
        limits.vacationMaxResponse = settings.vacationMaximum
        limits.duplicateMaxExpiration = settings.duplicateMaximum
        return limits
    }

    private func context(for mailbox: MailboxAddress, recipient: Recipient, now: LocalTime) -> SieveContext {
        let store = self.store, separator = self.separator, logger = self.logger, tracking = self.tracking
        let user = mailbox.qualifiedUser
        var addresses = [recipient.address, user]
        if mailbox.domain == nil { addresses.append("\(mailbox.user)@\(servername)") }
        return SieveContext(
            userAddresses: addresses,
            mailboxExists: { name in
                switch SieveTranslation.folder(named: name, separator: separator) {
                case .inbox: return true
                case .folder(let folder): return store.targetExists(MailboxTarget(mailbox, folder: folder))
                case .invalid: return false
                }
            },
            isDuplicate: { query in
                tracking?.isTracked(SieveTranslation.duplicateKey(user: user, query), logger: logger) ?? false
            },
            now: now.unixTime, localZoneOffsetMinutes: now.utcOffsetSeconds / 60,
            environment: ["domain": servername, "host": servername],
            limits: limits)
    }

    /// A script's bytes, nil when it is missing or larger than `limit`: the file, or the body
    /// of a Cyrus `#sieve` message (``CyrusSieveMailbox``).
    static func readScript(_ path: String, limit: Int) -> [UInt8]? {
        guard CyrusSieveMailbox.isMessageFile(path) else { return readFile(path, limit: limit) }
        // Cyrus's few header lines on top of the script.
        guard let message = readFile(path, limit: limit + 4096) else { return nil }
        let body = CyrusSieveMailbox.body(ofMessage: message)
        return body.count <= limit ? body : nil
    }

    /// A file's bytes, nil when it is missing or larger than `limit`.
    static func readFile(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = retryingEINTR { read(fd, &chunk, chunk.count) }
            if n < 0 { return nil }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
            if bytes.count > limit { return nil }
        }
    }
}
