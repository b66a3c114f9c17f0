/// RFC 5230 vacation: when a reply may be sent (Cyrus's rules), and what it is.
extension Interpreter {
    func vacation(_ spec: VacationSpec, at: SourceLocation) throws(RuntimeFailure) {
        if hasVacation { throw fail(at, "more than one vacation action") }
        if actions.contains(where: { if case .reject = $0 { return true }; return false }) {
            throw fail(at, "vacation cannot be combined with reject")
        }
        hasVacation = true
        let reason = expand(spec.reason)
        let subject = spec.subject.map { expand($0) }
        let from = spec.from.map { expand($0) }
        let extra = expand(spec.addresses)
        guard shouldReply(extraAddresses: extra + (from.map { [$0] } ?? [])) else { return }
        let limits = context.limits
        let seconds = min(max(spec.seconds ?? 7 * 86_400, limits.vacationMinResponse), limits.vacationMaxResponse)
        let handle = spec.handle.map { expand($0) }
            ?? (reason + (subject ?? "<default-subject>") + (from ?? "<default-from>") + (spec.mime ? "<MIME>" : "<NO-MIME>"))
        try record(.vacation(SieveVacation(recipient: envelope.from, seconds: seconds, subject: subject, from: from, body: reason,
                                           mime: spec.mime, handle: handle)), at: at)
    }

    /// Cyrus's rules: no reply to the null sender, daemons and list addresses, list or bulk
    /// mail, automatic mail, or mail that does not name one of the user's addresses.
    private func shouldReply(extraAddresses: [String]) -> Bool {
        guard let sender = AddressParsing.envelopeAddress(envelope.from) else { return false }
        let local = sender.localPart.lowercased()
        if local == "mailer-daemon" || local.hasPrefix("owner-") || local.hasSuffix("-request") { return false }
        for field in header {
            let name = field.name.lowercased()
            if name.hasPrefix("list-") { return false }
            let value = field.decodedValue.trimmingBlanks().lowercased()
            if name == "precedence", ["bulk", "junk", "list"].contains(value) { return false }
            if name == "auto-submitted", value != "no", !value.hasPrefix("no ") && !value.hasPrefix("no;") && !value.hasPrefix("no(") {
                return false
            }
        }
        var mine = Set(context.userAddresses.map { $0.lowercased() })
        if let to = AddressParsing.envelopeAddress(envelope.to) { mine.insert(to.part(.all)?.lowercased() ?? "") }
        for address in extraAddresses {
            for parsed in AddressParsing.addresses(inHeaderValue: address) { mine.insert(parsed.part(.all)?.lowercased() ?? "") }
        }
        mine.remove("")
        if let own = sender.part(.all)?.lowercased(), mine.contains(own) { return false }
        let recipients: Set<String> = ["to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc"]
        for field in header where recipients.contains(field.name.lowercased()) {
            for address in AddressParsing.addresses(inHeaderValue: field.decodedValue) {
                if let all = address.part(.all)?.lowercased(), mine.contains(all) { return true }
            }
        }
        return false
    }
}
