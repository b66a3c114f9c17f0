import Foundation
import Glibc

/// A tiny IMAP4rev1 client over a real TCP socket, for interop tests: tagged commands, the
/// untagged responses before the tagged one, and literals (`{n}` followed by n raw bytes), so that
/// `FETCH BODY[]` returns the server's exact bytes. Every read is bounded by a deadline.
final class IMAPClient {
    /// One untagged response (`* ...`): its text with each literal replaced by `{n}`, and the
    /// literals' raw bytes in order.
    struct Untagged {
        var text: String
        var literals: [[UInt8]]
    }

    /// The answer to one command.
    struct Response {
        var untagged: [Untagged]
        /// `OK`, `NO` or `BAD`.
        var status: String
        /// The tagged line after the status word.
        var text: String

        var isOK: Bool { status == "OK" }
    }

    struct ProtocolError: Error, CustomStringConvertible {
        var description: String
    }

    private let connection: SocketConnection
    private let timeout: Double
    private var pending: [UInt8] = []
    private var nextTag = 1
    /// The server's greeting line.
    private(set) var greeting = ""

    /// Connects to 127.0.0.1:`port` and reads the greeting.
    init(port: UInt16, timeout: Double = 20) throws {
        connection = try SocketConnection(.tcp(port: port))
        self.timeout = timeout
        do {
            greeting = String(decoding: try readLine(deadline: Date().addingTimeInterval(timeout)), as: UTF8.self)
        } catch {
            connection.close()
            throw error
        }
    }

    deinit { connection.close() }

    /// Sends `LOGIN` with quoted arguments; throws unless the server says OK.
    func login(_ user: String, _ password: String) throws {
        let response = try command("LOGIN \(quoted(user)) \(quoted(password))")
        guard response.isOK else { throw ProtocolError(description: "LOGIN \(user): \(response.status) \(response.text)") }
    }

    /// Sends one command with a fresh tag and reads everything up to its tagged reply.
    func command(_ text: String) throws -> Response {
        let tag = "t\(nextTag)"
        nextTag += 1
        try connection.send("\(tag) \(text)\r\n")
        let deadline = Date().addingTimeInterval(timeout)
        var untagged: [Untagged] = []
        while true {
            let response = try readResponse(deadline: deadline)
            if response.text.hasPrefix("\(tag) ") {
                let rest = response.text.dropFirst(tag.count + 1)
                let status = String(rest.prefix { $0 != " " })
                let detail = String(rest.dropFirst(status.count).drop { $0 == " " })
                return Response(untagged: untagged, status: status, text: detail)
            }
            if response.text.hasPrefix("* BYE") && !text.uppercased().hasPrefix("LOGOUT") {
                throw ProtocolError(description: "server closed the session: \(response.text)")
            }
            untagged.append(response)
        }
    }

    /// `LOGOUT`, ignoring errors (the server may already be gone).
    func logout() {
        _ = try? command("LOGOUT")
    }

    /// `"text"` with backslashes and quotes escaped.
    func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    // MARK: reading

    /// One response line, with any literals it announces read in.
    private func readResponse(deadline: Date) throws -> Untagged {
        var text = ""
        var literals: [[UInt8]] = []
        while true {
            let line = String(decoding: try readLine(deadline: deadline), as: UTF8.self)
            text += line
            guard let count = Self.literalLength(line) else { return Untagged(text: text, literals: literals) }
            literals.append(try readBytes(count, deadline: deadline))
        }
    }

    /// n in a line ending `{n}` (or `{n+}`).
    static func literalLength(_ line: String) -> Int? {
        guard line.hasSuffix("}"), let open = line.lastIndex(of: "{") else { return nil }
        var digits = line[line.index(after: open)..<line.index(before: line.endIndex)]
        if digits.hasSuffix("+") { digits = digits.dropLast() }
        return Int(digits)
    }

    /// The next line without its CRLF.
    private func readLine(deadline: Date) throws -> [UInt8] {
        while true {
            if let lf = pending.firstIndex(of: 0x0A) {
                var line = Array(pending[..<lf])
                pending.removeSubrange(...lf)
                if line.last == 0x0D { line.removeLast() }
                return line
            }
            try fill(deadline: deadline)
        }
    }

    private func readBytes(_ count: Int, deadline: Date) throws -> [UInt8] {
        while pending.count < count { try fill(deadline: deadline) }
        let bytes = Array(pending[..<count])
        pending.removeSubrange(..<count)
        return bytes
    }

    private func fill(deadline: Date) throws {
        while true {
            guard waitReadable(connection.fd, until: deadline) else {
                throw ProtocolError(description: "timed out waiting for the IMAP server")
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ProtocolError(description: "the IMAP server closed the connection") }
            pending += chunk[0..<n]
            return
        }
    }
}

// MARK: reading common responses

extension IMAPClient.Response {
    /// Untagged responses whose text starts with `* <word>` (case-insensitive), e.g. `LIST`.
    func untagged(_ word: String) -> [IMAPClient.Untagged] {
        untagged.filter { $0.text.uppercased().hasPrefix("* \(word.uppercased()) ") }
    }

    /// The number of `* <n> <word>` (EXISTS, RECENT), the last one if several.
    func count(_ word: String) -> Int? {
        untagged.compactMap { response -> Int? in
            let parts = response.text.split(separator: " ")
            guard parts.count == 3, parts[2].uppercased() == word.uppercased() else { return nil }
            return Int(parts[1])
        }.last
    }

    /// Mailbox names of `* LIST (...) "<sep>" <name>` responses, unquoted.
    var listedMailboxes: [String] {
        untagged("LIST").compactMap { response in
            guard let close = response.text.firstIndex(of: ")") else { return nil }
            var rest = response.text[response.text.index(after: close)...].drop { $0 == " " }
            // The separator: a quoted string or NIL.
            if rest.hasPrefix("\"") {
                rest = rest.dropFirst().drop { $0 != "\"" }.dropFirst()
            } else {
                rest = rest.drop { $0 != " " }
            }
            let name = rest.trimmingCharacters(in: .whitespaces)
            guard name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 else { return name }
            return String(name.dropFirst().dropLast())
        }
    }

    /// The `* <n> FETCH (...)` responses by message sequence number.
    var fetched: [Int: IMAPFetch] {
        var result: [Int: IMAPFetch] = [:]
        for response in untagged {
            let parts = response.text.split(separator: " ", maxSplits: 3)
            guard parts.count >= 3, parts[2].uppercased() == "FETCH", let number = Int(parts[1]) else { continue }
            result[number] = IMAPFetch(response)
        }
        return result
    }
}

/// The items of one FETCH response this project's tests use.
struct IMAPFetch {
    /// `FLAGS (...)`, as written by the server.
    var flags: [String] = []
    /// `RFC822.SIZE n`.
    var rfc822Size: Int?
    /// The first literal: `BODY[]` when that was asked for.
    var body: [UInt8]?

    init(_ response: IMAPClient.Untagged) {
        let text = response.text
        if let range = text.range(of: "FLAGS (") {
            let list = text[range.upperBound...].prefix { $0 != ")" }
            flags = list.split(separator: " ").map(String.init)
        }
        if let range = text.range(of: "RFC822.SIZE ") {
            rfc822Size = Int(text[range.upperBound...].prefix { $0.isNumber })
        }
        body = response.literals.first
    }
}
