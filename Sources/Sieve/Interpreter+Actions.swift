/// Recording actions, with RFC 5228's and Pigeonhole's limits and conflicts.
extension Interpreter {
    func record(_ action: SieveAction, at: SourceLocation) throws(RuntimeFailure) {
        if case .duplicateTrack = action {} else {
            actionCount += 1
            guard actionCount <= context.limits.maxActions else {
                throw fail(at, "too many actions (more than \(context.limits.maxActions))")
            }
        }
        actions.append(action)
    }

    private var hasReject: Bool {
        actions.contains { if case .reject = $0 { return true }; return false }
    }

    private var hasDelivery: Bool {
        actions.contains {
            switch $0 {
            case .store, .redirect(_, false): return true
            default: return false
            }
        }
    }

    func store(_ mailbox: String, flags: [String], create: Bool, copy: Bool, at: SourceLocation) throws(RuntimeFailure) {
        if hasReject { throw fail(at, "\(mailbox == "INBOX" ? "keep" : "fileinto") cannot be combined with reject") }
        let canonical = mailbox.uppercased() == "INBOX" ? "INBOX" : mailbox
        try record(.store(mailbox: canonical, flags: flags, create: create, copy: copy, implicit: false), at: at)
    }

    func redirect(_ address: String, copy: Bool, at: SourceLocation) throws(RuntimeFailure) {
        if hasReject, !copy { throw fail(at, "redirect cannot be combined with reject") }
        let seen = actions.contains { if case .redirect(let other, _) = $0 { return other.lowercased() == address.lowercased() }; return false }
        if seen { return }
        redirects += 1
        guard redirects <= context.limits.maxRedirects else {
            throw fail(at, "too many redirects (more than \(context.limits.maxRedirects))")
        }
        try record(.redirect(address: address, copy: copy), at: at)
    }

    func reject(_ reason: String, extended: Bool, at: SourceLocation) throws(RuntimeFailure) {
        if hasReject { throw fail(at, "more than one reject") }
        if hasDelivery { throw fail(at, "\(extended ? "ereject" : "reject") cannot be combined with keep, fileinto or redirect") }
        if hasVacation { throw fail(at, "\(extended ? "ereject" : "reject") cannot be combined with vacation") }
        try record(.reject(reason: reason, extended: extended), at: at)
    }

    func finishImplicitKeep() {
        guard implicitKeep else { return }
        actions.append(.store(mailbox: "INBOX", flags: flags, create: false, copy: false, implicit: true))
    }

    /// One store per mailbox (RFC 5228: filing twice into one mailbox stores once): flags
    /// united, `:create` if any asked, implicit only if all were.
    func mergedActions() -> [SieveAction] {
        var out: [SieveAction] = []
        var storeIndex: [String: Int] = [:]
        for action in actions {
            guard case .store(let mailbox, let flags, let create, let copy, let implicit) = action else {
                out.append(action)
                continue
            }
            if let index = storeIndex[mailbox], case .store(_, let oldFlags, let oldCreate, let oldCopy, let oldImplicit) = out[index] {
                var united = oldFlags
                for flag in flags where !united.contains(where: { Self.sameFlag($0, flag) }) { united.append(flag) }
                out[index] = .store(mailbox: mailbox, flags: united, create: oldCreate || create, copy: oldCopy && copy,
                                    implicit: oldImplicit && implicit)
            } else {
                storeIndex[mailbox] = out.count
                out.append(action)
            }
        }
        return out
    }

    // MARK: editheader (RFC 5293)

    private static let protectedHeaders: Set<String> = ["received", "auto-submitted"]

    func addHeader(_ name: String, _ value: String, last: Bool) {
        guard Validation.isValidHeaderName(name), !Self.protectedHeaders.contains(name.lowercased()) else { return }
        let cleaned = value.replacingControlLineEnds()
        let field = SieveHeaderField(name: name, value: MIMEText.encodeHeader(cleaned))
        if last { header.append(field) } else { header.insert(field, at: 0) }
        headerEdits.append(.add(name: name, value: cleaned, last: last))
    }

    func deleteHeader(_ name: String, patterns: [ScriptString], match: MatchSpec, index: HeaderIndex?, at: SourceLocation) throws(RuntimeFailure) {
        let lowered = name.lowercased()
        guard Validation.isValidHeaderName(name), !Self.protectedHeaders.contains(lowered) else { return }
        let positions = header.indices.filter { header[$0].hasName(lowered) }
        var candidates = positions
        if let index {
            let n = index.position
            guard n <= positions.count else { return }
            candidates = [index.fromLast ? positions[positions.count - n] : positions[n - 1]]
        }
        var removed: [Int] = []
        for position in candidates {
            if patterns.isEmpty {
                removed.append(position)
            } else if try matches(values: [header[position].decodedValue], keys: patterns, match: match, at: at) {
                removed.append(position)
            }
        }
        guard !removed.isEmpty else { return }
        let occurrences = removed.compactMap { positions.firstIndex(of: $0) }
        for position in removed.reversed() { header.remove(at: position) }
        headerEdits.append(.delete(name: name, occurrences: occurrences))
    }
}

extension String {
    /// Line ends and other control characters (tab kept) replaced by spaces, for header values.
    func replacingControlLineEnds() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0.value < 32 && $0 != "\t" ? " " : $0 }))
    }
}
