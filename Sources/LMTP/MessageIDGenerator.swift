#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Makes the `Message-ID:` added to a message that has none (`addMissingMessageID`), in Cyrus's
/// form with our name: `<lmtpd-<pid>-<unix time>-<n>@<servername>>` (Cyrus:
/// `<cmu-lmtpd-...>`), `n` counting from 0 per process. Keep one per process (`shared`): the
/// counter keeps ids of one second apart. Safe to share between threads.
public final class MessageIDGenerator: Sendable {
    /// The process's generator.
    public static let shared = MessageIDGenerator()

    private let processID: Int64
    private let counter: Mutex<Int>

    /// - Parameters:
    ///   - processID: the pid shown in ids (default: this process's).
    ///   - firstNumber: the first `n`.
    public init(processID: Int64 = Int64(getpid()), firstNumber: Int = 0) {
        self.processID = processID
        counter = Mutex(firstNumber)
    }

    /// A new message id (with its angle brackets) for a message received at `unixTime`.
    public func next(unixTime: Int64, servername: String) -> String {
        let number = counter.withLock { value -> Int in
            defer { value += 1 }
            return value
        }
        return "<lmtpd-\(processID)-\(unixTime)-\(number)@\(HeaderText.sanitized(servername))>"
    }
}
