/// The `maildir_path` template: turns a mailbox address into the directory of its Maildir.
///
/// `%u` = user (`user@domain` when a domain is in force), `%n` = user without domain,
/// `%d` = domain (empty when none), `%%` = `%`. Any other `%` sequence is an error.
/// The expanded path is split at `/`; empty components collapse, and a `.` or `..` component,
/// or one longer than 255 bytes, makes the expansion fail — so a relative template can never
/// resolve outside the partition root, whatever the address.
public struct PathTemplate: Sendable, Equatable {
    /// The template text as configured.
    public let text: String

    public init(_ text: String) {
        self.text = text
    }

    /// Whether the template stands alone (starts with `/`) instead of below the partition root.
    public var isAbsolute: Bool { text.hasPrefix("/") }

    /// What is wrong with the template itself, or nil when it can be expanded.
    public var problem: String? {
        var bytes = text.utf8.makeIterator()
        var sawVariable = false
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "%") else { continue }
            switch bytes.next() {
            case UInt8(ascii: "u"), UInt8(ascii: "n"): sawVariable = true
            case UInt8(ascii: "d"), UInt8(ascii: "%"): break
            case nil: return "ends with a lone %"
            case let other?: return "unknown escape %\(Character(Unicode.Scalar(other)))"
            }
        }
        // Without %u or %n every user would share one Maildir.
        if !sawVariable { return "contains neither %u nor %n" }
        return nil
    }

    /// The expanded path's components (no empty, `.` or `..` component), or nil when the
    /// template is malformed or the expansion is unsafe.
    public func components(for address: MailboxAddress) -> [String]? {
        guard problem == nil else { return nil }
        var expanded = ""
        var iterator = text.unicodeScalars.makeIterator()
        while let scalar = iterator.next() {
            guard scalar == "%" else {
                expanded.unicodeScalars.append(scalar)
                continue
            }
            switch iterator.next() {
            case "u": expanded += address.qualifiedUser
            case "n": expanded += address.user
            case "d": expanded += address.domain ?? ""
            case "%": expanded += "%"
            default: return nil
            }
        }
        var result: [String] = []
        for part in expanded.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            guard let component = String(part) else { return nil }
            if part.elementsEqual(".".utf8) || part.elementsEqual("..".utf8) { return nil }
            if part.count > MailboxAddress.maximumComponentBytes { return nil }
            result.append(component)
        }
        return result.isEmpty ? nil : result
    }

    /// The Maildir directory for `address`: below `root` for a relative template, as expanded
    /// for an absolute one; nil when the expansion is unsafe or a relative template meets a
    /// root that is not absolute.
    public func path(for address: MailboxAddress, root: String) -> String? {
        guard let parts = components(for: address) else { return nil }
        let joined = parts.joined(separator: "/")
        if isAbsolute { return "/" + joined }
        guard root.hasPrefix("/") else { return nil }
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        return base + "/" + joined
    }
}
