import LMTP
import LMTPTesting
import Mailstore

/// RCPT addresses, from the engine's parser down to the Maildir path. The first byte picks the
/// settings (strict, downcase, virtual domains, hierarchy separator); every following line is
/// sent as `RCPT TO:<line>`, after a `MAIL FROM` with `SMTPUTF8` or without it (a flag bit).
/// Checked for every recipient the engine hands to the agent:
/// * the user has no `/`, no control byte, no leading `.`, and is empty only with a `+detail`;
///   the domain is a host name (no `/`, `..`, control byte, leading `.`) or a `[literal]`;
///   with `lmtp_downcase_rcpt`, neither has upper case; with SMTPUTF8 both are valid UTF-8
///   in NFC, without it plain ASCII;
/// * when the store accepts the mailbox, its Maildir path (for several `maildir_path`
///   templates) stays below the partition, with no empty, `.` or `..` component and no NUL;
/// * when the `+detail` is a storable folder, its directory is one safe path component that
///   reads back as the same folder.
enum AddressFuzz {
    static let root = "/var/spool/fuzz"
    static let templates = ["%u", "%d/%n", "%n/%%/%d", "/srv/mail/%d/%u"].map(PathTemplate.init)

    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let flags = input.byte()
        let settings = LMTPSettings(servername: "mx.example.org", downcaseRecipients: flags.bit(1),
                                    strictRFC2821: flags.bit(0), preauthenticated: true)
        let virtualDomains = flags.bit(2)
        let separator: HierarchySeparator = flags.bit(3) ? .dot : .slash
        let internationalized = flags.bit(4)

        var session: [UInt8] = Array("LHLO fuzz\r\nMAIL FROM:<sender@example.org>\(internationalized ? " SMTPUTF8" : "")\r\n".utf8)
        for line in input.rest.split(separator: 0x0A) {
            session += Array("RCPT TO:".utf8) + line.filter { $0 != 0x0D } + [0x0D, 0x0A]
        }
        session += Array("QUIT\r\n".utf8)

        let agent = FakeAgent()
        agent.verdict = { recipient in
            check(recipient, downcase: settings.downcaseRecipients)
            check(encoding: recipient, internationalized: internationalized)
            let domain = virtualDomains ? recipient.domain : nil
            if let mailbox = MailboxAddress.validated(user: recipient.user, domain: domain) {
                check(mailbox)
            }
            if let detail = recipient.detail { check(detail: detail, separator: separator) }
            return nil
        }
        let lmtp = LMTPSession(settings: settings, client: .unixSocket, agent: agent, logger: LMTPSessionFuzz.quietLogger,
                               sessionIDs: SessionIDGenerator(processID: 1, unixTime: { 0 }, random: { 0 }),
                               clock: .fixed(LocalTime(unixTime: 0, utcOffsetSeconds: 0)))
        let end = lmtp.run(input: ChunkedInput(session), output: RecordingOutput())
        require(end == .quit, "the session did not reach QUIT: \(end)")
    }

    static func check(_ recipient: Recipient, downcase: Bool) {
        let user = Array(recipient.user.utf8)
        let shown = recipient.address
        require(!user.contains(UInt8(ascii: "/")), "user with /: \(shown)")
        require(!user.contains(where: isControl), "user with a control byte: \(shown)")
        require(user.first != UInt8(ascii: "."), "user starting with a dot: \(shown)")
        require(!user.isEmpty || recipient.detail?.isEmpty == false, "empty user without detail: \(shown)")
        require(!recipient.address.utf8.contains(where: isControl), "address with a control byte: \(shown)")
        if let domain = recipient.domain.map({ Array($0.utf8) }) {
            require(!domain.isEmpty, "empty domain: \(shown)")
            require(!domain.contains(UInt8(ascii: "/")) && !domain.contains(where: isControl), "domain with / or a control byte: \(shown)")
            require(domain.first != UInt8(ascii: "."), "domain starting with a dot: \(shown)")
            // A `[literal]` is digits and dots, as in Cyrus (`[1..2]` included); the store
            // refuses `..` in a domain anyway.
            let dotDot = zip(domain, domain.dropFirst()).contains { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }
            require(!dotDot || domain.first == UInt8(ascii: "["), "domain with ..: \(shown)")
        }
        if downcase {
            let upper = (recipient.user + (recipient.domain ?? "")).utf8.contains { (0x41...0x5A).contains($0) }
            require(!upper, "upper case left with lmtp_downcase_rcpt: \(shown)")
        }
    }

    /// UTF-8 in NFC with SMTPUTF8 (each part decodes without repair and is its own NFC form),
    /// ASCII without it.
    static func check(encoding recipient: Recipient, internationalized: Bool) {
        for part in [recipient.user, recipient.detail ?? "", recipient.domain ?? ""] {
            let bytes = Array(part.utf8)
            if internationalized {
                require(Array(part._nfcCodeUnits) == bytes, "not in NFC: \(recipient.address)")
            } else {
                require(bytes.allSatisfy { $0 < 0x80 }, "8-bit bytes without SMTPUTF8: \(recipient.address)")
            }
        }
    }

    static func check(_ mailbox: MailboxAddress) {
        for template in templates {
            guard let path = template.path(for: mailbox, root: root) else { continue }
            let base = template.isAbsolute ? "/srv/mail/" : root + "/"
            // Bytes, not Characters: a name may start with a combining mark, which String's
            // hasPrefix joins to the "/" before it.
            require(path.utf8.starts(with: base.utf8), "\(template.text) puts \(mailbox) at \(path), outside \(base)")
            let components = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
            for component in components {
                require(!component.isEmpty, "\(template.text) gives an empty component for \(mailbox): \(path)")
                require(!component.elementsEqual(".".utf8) && !component.elementsEqual("..".utf8),
                        "\(template.text) gives . or .. for \(mailbox): \(path)")
                require(!component.contains(0), "\(template.text) gives a NUL for \(mailbox)")
                require(component.count <= 255, "\(template.text) gives a component over 255 bytes for \(mailbox)")
            }
        }
    }

    static func check(detail: String, separator: HierarchySeparator) {
        guard let folder = try? FolderName.parse(detail, separator: separator) else { return }
        FolderNameFuzz.check(folder)
    }

    static func isControl(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x7F }
}
