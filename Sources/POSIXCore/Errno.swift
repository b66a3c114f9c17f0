// POSIXCore: depends on libc (Glibc) and CShims only; nothing else of ours.
import Glibc

/// A failed system call's `errno` value, carried as an error value.
public struct Errno: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    public let code: Int32

    public init(_ code: Int32) { self.code = code }

    /// The calling thread's `errno` now.
    public static var current: Errno { Errno(errno) }

    /// The `strerror` text, as `%m` prints it (`Permission denied`).
    public var text: String { errnoText(code) }

    public var description: String { text }
}

/// The `strerror` text of an `errno` value (by default the current one), as `%m` prints it.
public func errnoText(_ code: Int32 = errno) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}
