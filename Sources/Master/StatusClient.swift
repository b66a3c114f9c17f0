import Glibc
import POSIXCore

/// `minimaster status`: asks the running minimaster over its status socket
/// (``StatusSocket``) and prints the answer on standard output. Exit status 0 with an
/// answer; 1 when minimaster is not running, refuses, or does not answer in time (the reason
/// on standard error); 78 when imapd.conf cannot be read.
public enum StatusClient {
    /// Seconds to wait for the connection and for the whole answer.
    public static let timeout = 15.0
    /// An answer longer than this is cut (a status is a few kilobytes).
    static let longestAnswer = 4 << 20

    /// Runs the command; returns the exit status.
    public static func run(imapdConfPath: String, json: Bool) -> Int32 {
        let settings: ImapdSettings
        switch ImapdSettings.load(path: imapdConfPath) {
        case .success(let loaded): settings = loaded
        case .failure(let error):
            writeStderr(error.description + "\n")
            return ExitStatus.config
        }
        let path = StatusSocket.path(configDirectory: settings.configDirectory)
        switch query(path: path, request: json ? .json : .text) {
        case .success(let text):
            _ = try? writeAll(1, text)
            return ExitStatus.ok
        case .failure(let problem):
            writeStderr("minimaster status: \(problem.description)\n")
            return 1
        }
    }

    /// Why no status could be shown.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Sends `request` to the socket at `path`; the status text, or why there is none.
    static func query(path: String, request: StatusConnection.Request) -> Result<String, Problem> {
        let fd: Int32
        switch StatusSocket.connect(to: path, timeout: timeout) {
        case .success(let connected): fd = connected
        case .failure(let error):
            return .failure(Problem(description: connectProblem(error, path: path)))
        }
        defer { close(fd) }
        // A refused client may find the connection closed already: its answer is read anyway.
        _ = (request.rawValue + "\n").utf8CString.withUnsafeBytes { raw in
            send(fd, raw.baseAddress, raw.count - 1, Int32(MSG_NOSIGNAL))
        }
        let deadline = MonotonicClock.now() + timeout
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while answer.count < longestAnswer {
            switch DescriptorReadiness.wait(fd: fd, events: Int16(POLLIN), until: deadline) {
            case .ready: break
            case .timedOut:
                return .failure(Problem(description: "minimaster did not answer within \(Int(timeout)) s on \(path)"))
            case .failed(let reason):
                return .failure(Problem(description: "waiting for minimaster's answer: \(reason)"))
            }
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && errno == ECONNRESET && !answer.isEmpty { break }
            if count < 0 {
                return .failure(Problem(description: "reading minimaster's answer: \(errnoText())"))
            }
            if count == 0 { break }
            answer += chunk[0..<count]
        }
        return interpret(String(decoding: answer, as: UTF8.self))
    }

    /// `ok` and the status, or the `refused:` / `error:` line as the problem.
    static func interpret(_ answer: String) -> Result<String, Problem> {
        guard let newline = answer.firstIndex(of: "\n") else {
            return .failure(Problem(description: answer.isEmpty
                ? "minimaster closed the connection without an answer"
                : "unexpected answer from minimaster: \(answer)"))
        }
        let first = answer[..<newline]
        guard first == "ok" else { return .failure(Problem(description: String(first))) }
        return .success(String(answer[answer.index(after: newline)...]))
    }

    private static func connectProblem(_ error: Errno, path: String) -> String {
        switch error.code {
        case ENOENT, ENOTDIR:
            return "minimaster is not running (no status socket at \(path))"
        case ECONNREFUSED:
            return "minimaster is not running (nothing listens on the status socket at \(path))"
        case EACCES, EPERM:
            return "permission denied on \(path): only root and the user minimaster runs as may ask"
        case EAGAIN, EINPROGRESS:
            return "minimaster did not accept the connection within \(Int(timeout)) s on \(path)"
        default:
            return "unable to connect to \(path): \(error.text)"
        }
    }

    private static func writeStderr(_ text: String) {
        _ = try? writeAll(2, text)
    }
}
