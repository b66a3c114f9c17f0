import Foundation
import Glibc
import Testing
@testable import LMTPServer

/// The `sendmail` option: outgoing messages handed to the MTA's sendmail command (here a
/// capturing stand-in script).
@Suite("sendmail: handing outgoing mail to the MTA")
struct SendmailSubmitterTests {
    /// A stand-in `sendmail` that records its arguments and input, then exits with `status`.
    private static func standIn(_ directory: String, status: Int32 = 0, sleep: Int = 0) throws -> String {
        let path = directory + "/sendmail"
        try """
            #!/bin/sh
            printf '%s\\n' "$@" > \(directory)/args
            cat > \(directory)/message
            sleep \(sleep)
            echo "stand-in says bye" >&2
            exit \(status)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    private static func scratch() throws -> String {
        var template = Array("/var/tmp/sendmail-test.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        return String(cString: made)
    }

    @Test("the message goes on standard input; -i -f sender -- recipients; <> for the null sender")
    func submits() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let submitter = SendmailSubmitter(path: try Self.standIn(dir))
        let message = OutgoingMessage(sender: "", recipients: ["bob@example.org", "-carol@example.org"],
                                      bytes: Array("Subject: away\n\nback soon\n".utf8))
        #expect(throws: Never.self) { try submitter.submit(message).get() }
        #expect(try String(contentsOfFile: dir + "/args", encoding: .utf8) == "-i\n-f\n<>\n--\nbob@example.org\n-carol@example.org\n")
        #expect(try String(contentsOfFile: dir + "/message", encoding: .utf8) == "Subject: away\n\nback soon\n")
    }

    @Test("a sendmail that fails or hangs is a failure naming why, never a success")
    func failures() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let message = OutgoingMessage(sender: "alice@example.org", recipients: ["bob@example.org"], bytes: Array("x\n".utf8))
        let refusing = SendmailSubmitter(path: try Self.standIn(dir, status: 75))
        guard case .failure(let refused) = refusing.submit(message) else { Issue.record("accepted"); return }
        #expect(refused.description.contains("exited with 75: stand-in says bye"))
        let hanging = SendmailSubmitter(path: try Self.standIn(dir, sleep: 5), timeout: 0.5)
        guard case .failure(let slow) = hanging.submit(message) else { Issue.record("accepted"); return }
        #expect(slow.description.contains("did not finish within"))
        let missing = SendmailSubmitter(path: dir + "/no-such-sendmail")
        guard case .failure(let absent) = missing.submit(message) else { Issue.record("accepted"); return }
        #expect(absent.description.contains("cannot run"))
    }
}
