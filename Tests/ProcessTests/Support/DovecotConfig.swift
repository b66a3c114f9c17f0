import Foundation

/// The `dovecot.conf` of a private Dovecot 2.3 IMAP server (see docs/cyrus-compatibility.md §7): its own
/// run, state and log paths under one folder, `127.0.0.1` only, no TLS, plaintext logins
/// from a passwd-file, Maildirs at `<partition>/%u` read and written as one system user, and
/// Maildir++ quota (`maildirsize`) reported over IMAP.
struct DovecotConfig {
    /// Where Debian's dovecot-core keeps the programs and plugins.
    static let corePrograms = "/usr/lib/dovecot"
    /// The services that live in dovecot-imapd, which is unpacked privately (it conflicts with
    /// cyrus-imapd as a package); Dovecot's master refuses to start when one is missing.
    static let imapServices = ["imap", "imap-login", "imap-urlauth", "imap-urlauth-login",
                               "imap-urlauth-worker", "imap-hibernate"]

    /// The instance's folder: `run/` (base_dir), `state/`, `dovecot.log`, `passwd`, `plugins/`.
    var directory: URL
    /// lmtpd's `partition-default`.
    var partition: URL
    var port: UInt16
    /// The unpacked dovecot-imapd's `usr/lib/dovecot`.
    var imapPrograms: String
    /// The system user that owns the Maildirs (Debian's `mail`, uid 8).
    var mailUID: UInt32
    var mailGID: UInt32

    var baseDirectory: URL { directory.appendingPathComponent("run") }
    var stateDirectory: URL { directory.appendingPathComponent("state") }
    var logFile: URL { directory.appendingPathComponent("dovecot.log") }
    var passwdFile: URL { directory.appendingPathComponent("passwd") }
    /// Links to the plugins of dovecot-core (`quota`) and of dovecot-imapd (`imap_quota`).
    var pluginDirectory: URL { directory.appendingPathComponent("plugins") }
    var configFile: URL { directory.appendingPathComponent("dovecot.conf") }

    /// The passwd-file lines: `user:{PLAIN}password`.
    static func passwd(_ users: [String: String]) -> String {
        users.keys.sorted().map { "\($0):{PLAIN}\(users[$0] ?? "")\n" }.joined()
    }

    var text: String {
        let services = Self.imapServices.map { name -> String in
            var lines = "service \(name) {\n  executable = \(imapPrograms)/\(name)\n"
            if name == "imap-login" {
                lines += "  inet_listener imap {\n    address = 127.0.0.1\n    port = \(port)\n  }\n"
                lines += "  inet_listener imaps {\n    port = 0\n  }\n"
            }
            return lines + "}\n"
        }.joined()
        return """
            base_dir = \(baseDirectory.path)
            state_dir = \(stateDirectory.path)
            log_path = \(logFile.path)
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            first_valid_uid = \(mailUID)
            mail_uid = \(mailUID)
            mail_gid = \(mailGID)
            mail_location = maildir:\(partition.path)/%u
            mail_plugin_dir = \(pluginDirectory.path)
            mail_plugins = quota
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u \(passwdFile.path)
            }
            userdb {
              driver = static
              args = uid=\(mailUID) gid=\(mailGID) home=\(partition.path)/%u
            }
            plugin {
              quota = maildir:User quota
            }
            protocol imap {
              mail_plugins = $mail_plugins imap_quota
            }

            """ + services
    }
}
