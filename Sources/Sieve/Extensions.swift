/// The Sieve capabilities this implementation offers to `require` and `ihave`.
enum Extensions {
    static let supported: Set<String> = [
        "fileinto", "reject", "ereject", "envelope", "encoded-character", "copy", "body", "variables",
        "relational", "regex", "subaddress", "vacation", "vacation-seconds", "imap4flags", "environment",
        "mailbox", "date", "index", "ihave", "duplicate", "include", "editheader",
        "comparator-i;octet", "comparator-i;ascii-casemap", "comparator-i;ascii-numeric",
    ]

    /// The comparator names and what they mean.
    static let comparators: [String: Comparator] = [
        "i;octet": .octet, "i;ascii-casemap": .asciiCasemap, "i;ascii-numeric": .asciiNumeric,
    ]
}
