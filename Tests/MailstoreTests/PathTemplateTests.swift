import Glibc
import Testing
@testable import Mailstore

@Suite("maildir_path template expansion")
struct PathTemplateTests {
    func store(_ template: String, root: String = "/srv/mail") -> Mailstore {
        Mailstore(config: MailstoreConfig(partitionRoot: root, pathTemplate: template, hostname: "h"))
    }

    @Test("the default %u is the user, with @domain when a domain is in force")
    func defaultTemplate() throws {
        let config = MailstoreConfig(partitionRoot: "/srv/mail")
        #expect(config.pathTemplate == "%u")
        #expect(config.fsync)
        let store = Mailstore(config: config)
        #expect(store.maildirPath(for: try address("alice")) == "/srv/mail/alice")
        #expect(store.maildirPath(for: try address("alice", "example.org")) == "/srv/mail/alice@example.org")
    }

    @Test("%n, %d and %% expand; empty components collapse", arguments: [
        ("%d/%n", "alice", "example.org", "/srv/mail/example.org/alice"),
        ("%d/%n", "alice", nil, "/srv/mail/alice"),
        ("users/%n/Maildir", "bob", "x.org", "/srv/mail/users/bob/Maildir"),
        ("%n%%%d", "bob", "x.org", "/srv/mail/bob%x.org"),
        ("%%u/%u", "bob", nil, "/srv/mail/%u/bob"),
        ("%d//%u/", "bob", "x.org", "/srv/mail/x.org/bob@x.org"),
    ] as [(String, String, String?, String)])
    func expansion(template: String, user: String, domain: String?, expected: String) throws {
        #expect(store(template).maildirPath(for: try address(user, domain)) == expected)
    }

    @Test("an absolute template ignores the partition root")
    func absoluteTemplate() throws {
        let store = store("/home/%n/Maildir")
        #expect(store.maildirPath(for: try address("carol", "example.org")) == "/home/carol/Maildir")
        #expect(store.config.problem() == nil)
    }

    @Test("a trailing slash on the partition root is harmless")
    func rootWithSlash() throws {
        #expect(store("%u", root: "/srv/mail/").maildirPath(for: try address("dave")) == "/srv/mail/dave")
    }

    @Test("values are inserted literally: a user containing % is not expanded again")
    func noReexpansion() throws {
        #expect(store("%u").maildirPath(for: try address("50%d")) == "/srv/mail/50%d")
    }

    @Test("a domain cannot climb out: .. and leading-dot domains are invalid addresses")
    func domainEscape() {
        #expect(MailboxAddress.validated(user: "alice", domain: "..") == nil)
        #expect(MailboxAddress.validated(user: "..", domain: "example.org") == nil)
        #expect(MailboxAddress.validated(user: "alice", domain: "../../etc") == nil)
    }

    @Test("malformed templates and roots are reported before use", arguments: [
        ("%x", "/srv/mail"), ("%u%", "/srv/mail"), ("shared", "/srv/mail"), ("%u", ""), ("%u", "relative/root"),
    ])
    func configurationProblems(template: String, root: String) throws {
        let config = MailstoreConfig(partitionRoot: root, pathTemplate: template)
        #expect(config.problem() != nil)
        #expect(Mailstore(config: config).maildirPath(for: try address("alice")) == nil)
    }

    @Test("good configurations have no problem", arguments: ["%u", "%d/%n", "/var/mail/%u", "%n/%%"])
    func goodConfigurations(template: String) {
        #expect(MailstoreConfig(partitionRoot: "/srv/mail", pathTemplate: template).problem() == nil)
    }

    @Test("the host part of names escapes / : and , as Maildir requires")
    func hostEscaping() {
        #expect(UniqueName.escapedHost("mx/1:2,3") == "mx\\0571\\0722\\0543")
        #expect(UniqueName.escapedHost("mail.example.org") == "mail.example.org")
        #expect(!UniqueName.escapedHost("").isEmpty)
        let name = UniqueName.make(host: "h", size: 42)
        #expect(name.hasSuffix(".h,S=42"))
        #expect(name.contains(".M") && name.contains("P\(getpid())Q"))
    }
}
