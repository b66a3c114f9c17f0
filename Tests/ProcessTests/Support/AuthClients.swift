import Foundation

/// Real LMTP clients that authenticate: swaks (`--protocol LMTP --auth ...`) and Python's
/// `smtplib.LMTP` (its `login()`, or a SCRAM-SHA-256 exchange written with hashlib/hmac, as
/// smtplib has no SCRAM of its own).
enum AuthClients {
    /// Where swaks talks to.
    enum Server {
        case tcp(UInt16)
        case unix(String)

        var swaksArguments: [String] {
            switch self {
            case .tcp(let port): return ["--server", "127.0.0.1:\(port)"]
            case .unix(let path): return ["--socket", path]
            }
        }
    }

    /// One swaks delivery to `to`; `auth` nil means no AUTH. Returns swaks's exit status and
    /// transcript.
    static func swaks(_ server: Server, auth: (mechanism: String, user: String, password: String)?,
                      to: String = "alice@test.example", subject: String, timeout: Double = 20) throws -> (status: Int32, output: String) {
        var arguments = ["--protocol", "LMTP", "--to", to, "--from", "sender@example.org", "--helo", "swaks.example",
                         "--header", "Subject: \(subject)", "--timeout", "15"] + server.swaksArguments
        if let auth {
            arguments += ["--auth", auth.mechanism, "--auth-user", auth.user, "--auth-password", auth.password]
        }
        return try runTool("/usr/bin/swaks", arguments, timeout: timeout)
    }

    /// One `smtplib.LMTP` delivery over TCP to alice: `mechanism` is `SCRAM-SHA-256`, an
    /// smtplib mechanism name (`PLAIN`, `LOGIN`, `CRAM-MD5`), or `login` for smtplib's own
    /// choice. Prints the AUTH reply, then the refused recipients (`{}`) or the error.
    static func python(port: UInt16, mechanism: String, user: String, password: String, subject: String,
                       timeout: Double = 20) throws -> (status: Int32, output: String) {
        try runTool("/usr/bin/env", ["python3", "-c", pythonClient, "127.0.0.1", "\(port)", mechanism, user, password, subject],
                    timeout: timeout)
    }

    static let pythonClient = #"""
import base64, hashlib, hmac, os, smtplib, sys

class Scram:
    """RFC 5802/7677 SCRAM-SHA-256 client for smtplib.SMTP.auth (no channel binding)."""
    def __init__(self, user, password):
        self.user, self.password = user, password
        self.first_bare = "n=%s,r=%s" % (user, base64.b64encode(os.urandom(18)).decode())
        self.stage = 0
    def __call__(self, challenge=None):
        self.stage += 1
        if self.stage == 1:
            return "n,," + self.first_bare
        text = challenge.decode()
        fields = dict(item.split("=", 1) for item in text.split(","))
        if self.stage == 2:
            salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(), base64.b64decode(fields["s"]), int(fields["i"]))
            client_key = hmac.new(salted, b"Client Key", "sha256").digest()
            final_bare = "c=biws,r=" + fields["r"]
            message = ("%s,%s,%s" % (self.first_bare, text, final_bare)).encode()
            signature = hmac.new(hashlib.sha256(client_key).digest(), message, "sha256").digest()
            proof = bytes(a ^ b for a, b in zip(client_key, signature))
            server_key = hmac.new(salted, b"Server Key", "sha256").digest()
            self.expected = base64.b64encode(hmac.new(server_key, message, "sha256").digest()).decode()
            return final_bare + ",p=" + base64.b64encode(proof).decode()
        if fields.get("v") != self.expected:
            raise SystemExit("server signature mismatch")
        return ""

host, port, mechanism, user, password, subject = sys.argv[1:7]
client = smtplib.LMTP(host, int(port), timeout=10)
client.ehlo("python.example")
try:
    if mechanism == "SCRAM-SHA-256":
        code, text = client.auth(mechanism, Scram(user, password))
    elif mechanism == "login":
        code, text = client.login(user, password)
    else:
        client.user, client.password = user, password
        code, text = client.auth(mechanism, getattr(client, "auth_" + mechanism.lower().replace("-", "_")))
    print("AUTH", code, text.decode())
except smtplib.SMTPAuthenticationError as error:
    print("AUTH", error.smtp_code, error.smtp_error.decode())
    client.quit()
    sys.exit(3)
print("REFUSED", client.sendmail("sender@example.org", ["alice@test.example"], "Subject: %s\r\n\r\nfrom python\r\n" % subject))
client.quit()
"""#
}
