import Glibc
import POSIXCore

/// A message a delivery sends on (a Sieve redirect, vacation reply or refusal notice).
public struct OutgoingMessage: Sendable, Equatable {
    /// The envelope sender; empty for the null sender `<>`.
    public var sender: String
    public var recipients: [String]
    /// The whole message, header and body, LF line ends.
    public var bytes: [UInt8]

    public init(sender: String, recipients: [String], bytes: [UInt8]) {
        self.sender = sender
        self.recipients = recipients
        self.bytes = bytes
    }
}

/// Hands messages to the MTA. A delivery reports success only once every message its filter
/// asked for has been accepted; a refusal makes that recipient's reply temporary (4xx).
public protocol MailSubmitter: Sendable {
    func submit(_ message: OutgoingMessage) -> Result<Void, SubmissionFailure>
}

/// Why the MTA did not take a message.
public struct SubmissionFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

/// Cyrus's `sendmail` option (default `/usr/lib/sendmail`): runs
/// `sendmail -i -f <sender> -- <recipient>...` with the message on standard input, as every
/// common MTA's sendmail accepts (Cyrus itself speaks SMTP to `sendmail -bs`); the message is
/// accepted when it exits 0 within `timeout` seconds. Standard output and error are kept for
/// the log line of a failure.
public struct SendmailSubmitter: MailSubmitter {
    public var path: String
    public var timeout: Double

    public init(path: String, timeout: Double = 60) {
        self.path = path
        self.timeout = timeout
    }

    public func submit(_ message: OutgoingMessage) -> Result<Void, SubmissionFailure> {
        guard !message.recipients.isEmpty else { return .success(()) }
        let argv = [path, "-i", "-f", message.sender.isEmpty ? "<>" : message.sender, "--"] + message.recipients
        let input: (read: Int32, write: Int32), output: (read: Int32, write: Int32)
        do throws(Errno) {
            input = try makePipe()
            do throws(Errno) { output = try makePipe() } catch {
                close(input.read); close(input.write)
                throw error
            }
        } catch {
            return failure("pipe: \(error.text)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, output.write, 2)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, cArgs, environ)
        close(input.read)
        close(output.write)
        defer { close(output.read) }
        guard spawned == 0 else {
            close(input.write)
            return failure("cannot run \(path): \(errnoText(spawned))")
        }
        let deadline = MonotonicClock.now() + timeout
        let wrote = writeAll(input.write, message.bytes, until: deadline)
        close(input.write)
        let said = readAll(output.read, until: deadline)
        let status = wait(pid, until: deadline)
        guard wrote else { return failure("\(path) did not take the message: \(said)") }
        switch status {
        case .some(0): return .success(())
        case .some(let code): return failure("\(path) exited with \(code): \(said)")
        case .none: return failure("\(path) did not finish within \(Int(timeout)) s")
        }
    }

    private func failure(_ text: String) -> Result<Void, SubmissionFailure> {
        .failure(SubmissionFailure(description: text.trimmingTrailingNewlines()))
    }

    /// Writes everything, waiting for room at most until `deadline`.
    private func writeAll(_ fd: Int32, _ bytes: [UInt8], until deadline: Double) -> Bool {
        var offset = 0
        while offset < bytes.count {
            guard Self.waitFor(fd, events: Int16(POLLOUT), until: deadline) else { return false }
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return false }
        }
        return true
    }

    /// What the program wrote (at most 4 KiB kept), until end of file or `deadline`.
    private func readAll(_ fd: Int32, until deadline: Double) -> String {
        var kept: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while Self.waitFor(fd, events: Int16(POLLIN), until: deadline) {
            let n = retryingEINTR { read(fd, &chunk, chunk.count) }
            if n > 0 { kept += chunk[0..<min(n, max(0, 4096 - kept.count))] } else { break }
        }
        return String(decoding: kept, as: UTF8.self)
    }

    /// The exit status, or nil when the program ran past `deadline` (it is then killed).
    private func wait(_ pid: pid_t, until deadline: Double) -> Int32? {
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                let exited = (status & 0x7f) == 0
                return exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            if reaped < 0 && errno != EINTR { return nil }
            if MonotonicClock.now() >= deadline {
                kill(pid, SIGKILL)
                _ = retryingEINTR { waitpid(pid, &status, 0) }
                return nil
            }
            usleep(2_000)
        }
    }

    private static func waitFor(_ fd: Int32, events: Int16, until deadline: Double) -> Bool {
        DescriptorReadiness.wait(fd: fd, events: events, until: deadline) == .ready
    }

}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
