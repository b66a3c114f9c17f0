import LMTP
import Mailstore
import Sieve

/// One recipient's Sieve result turned into its ``DeliveryPlan``: stores become copies with
/// folders and flags, redirects and vacation replies become outgoing messages (each tracked,
/// so a retried delivery does not send it twice), a reject becomes `550 5.7.1` or a notice.
struct SieveTranslation {
    let filter: SieveFilter
    let mailbox: MailboxAddress
    let recipient: Recipient
    let envelope: Envelope
    /// The message as the script saw it (parsed once, for the run and for this translation).
    let message: SieveMessage
    let now: LocalTime

    /// How long a redirect is remembered, so a retry of the same message does not repeat it.
    static let redirectMemory = 7 * 86400

    /// What a `fileinto` name means in the user's Maildir.
    enum FolderChoice: Equatable {
        case inbox
        case folder(FolderName)
        case invalid
    }

    /// `INBOX` (any case) is the INBOX; `INBOX<sep>x` and `x` are the folder `x`; a name that
    /// cannot be a Maildir++ folder (`..`, controls, empty levels...) is invalid.
    static func folder(named name: String, separator: HierarchySeparator) -> FolderChoice {
        var rest = Substring(name)
        if rest.uppercased() == "INBOX" { return .inbox }
        let sep = separator == .slash ? "/" : "."
        if rest.count > 6, rest.prefix(6).uppercased() == "INBOX" + sep { rest = rest.dropFirst(6) }
        guard let folder = (try? FolderName.parse(String(rest), separator: separator)) ?? nil else { return .invalid }
        return .folder(folder)
    }

    /// The tracking key of a `duplicate` test, per user.
    static func duplicateKey(user: String, _ query: DuplicateQuery) -> String {
        "duplicate:\(user):\(query.handle):\(query.uniqueID)"
    }

    mutating func plan(_ result: SieveResult) -> DeliveryPlan {
        var plan = DeliveryPlan(copies: [], refusal: nil)
        let user = mailbox.qualifiedUser
        // editheader changes the stored copies only (redirects and replies quote the original).
        let header = result.editedHeader.map {
            ReplacedHeader($0.map { ($0.name, $0.value) }, replacingHeaderOf: message.bytes, bodyStart: message.bodyStart)
        }
        for action in result.actions {
            switch action {
            case .store(let name, let flags, let create, _, _):
                let flagSet = MessageFlags(imapFlags: flags)
                switch Self.folder(named: name, separator: filter.separator) {
                case .inbox:
                    plan.copies.append(.init(placement: .addressed, flags: flagSet, header: header))
                case .invalid:
                    return filter.failed(user, envelope, "fileinto: \"\(name)\" cannot be a folder")
                case .folder(let folder):
                    let exists = filter.store.targetExists(MailboxTarget(mailbox, folder: folder))
                    let creatable = create || filter.settings.createAnyFolder || filter.settings.creatableFolders.contains(name)
                    guard exists || creatable else {
                        return filter.failed(user, envelope, "fileinto: folder \"\(name)\" does not exist")
                    }
                    plan.copies.append(.init(placement: .folder(folder, create: !exists), flags: flagSet, header: header))
                }
            case .redirect(let address, _):
                redirect(to: address, &plan)
            case .reject(let reason, _):
                reject(reason, &plan)
            case .discard:
                break
            case .vacation(let vacation):
                reply(vacation, &plan)
            case .duplicateTrack(let query):
                plan.tracking.append(TrackingRecord(key: Self.duplicateKey(user: user, query), expires: Int(now.unixTime) + query.seconds))
            }
        }
        if plan.refusal != nil { plan.copies = [] }
        return plan
    }

    private var original: OutgoingMessages.Original {
        let header = message.header
        func value(_ name: String) -> String? {
            header.first { $0.name.lowercased() == name }.map { String(decoding: $0.value, as: UTF8.self) }
        }
        return OutgoingMessages.Original(sender: envelope.sender, recipient: recipient.address, messageID: envelope.messageID,
                                         references: value("references"), subject: value("subject"), bytes: message.bytes)
    }

    private func redirect(to address: String, _ plan: inout DeliveryPlan) {
        let key = envelope.messageID.map { "redirect:\($0):\(address.lowercased())" }
        if let key, filter.tracking?.isTracked(key, logger: filter.logger) == true {
            filter.logger.info("sieve redirect to \(address) already made for this message")
            return
        }
        plan.outgoing.append(OutgoingMessages.redirect(original, to: address))
        if let key { plan.tracking.append(TrackingRecord(key: key, expires: Int(now.unixTime) + Self.redirectMemory)) }
    }

    /// `reject`: a `550 5.7.1` for this recipient when `sieve_use_lmtp_reject` allows and the
    /// reason is ASCII; otherwise a notice to the sender. Mail from `<>` is dropped silently.
    private func reject(_ reason: String, _ plan: inout DeliveryPlan) {
        guard !envelope.sender.isEmpty else { return }
        if filter.settings.lmtpReject && reason.unicodeScalars.allSatisfy(\.isASCII) {
            plan.refusal = .rejected(reason)
        } else {
            plan.outgoing.append(OutgoingMessages.refusalNotice(
                to: original, reason: reason, reportingHost: filter.servername, date: now.rfc5322,
                messageID: filter.messageIDs.next(unixTime: now.unixTime, servername: filter.servername)))
        }
    }

    /// A vacation reply unless one went to this sender within the interval.
    private func reply(_ vacation: SieveVacation, _ plan: inout DeliveryPlan) {
        let key = "vacation:\(mailbox.qualifiedUser):\(vacation.handle):\(vacation.recipient.lowercased())"
        if vacation.seconds > 0, filter.tracking?.isTracked(key, logger: filter.logger) == true { return }
        plan.outgoing.append(OutgoingMessages.vacation(
            to: original, from: vacation.from, subject: vacation.subject, body: vacation.body, mime: vacation.mime,
            date: now.rfc5322, messageID: filter.messageIDs.next(unixTime: now.unixTime, servername: filter.servername)))
        if vacation.seconds > 0 {
            plan.tracking.append(TrackingRecord(key: key, expires: Int(now.unixTime) + vacation.seconds))
        }
    }
}
