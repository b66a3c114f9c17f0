import COpenSSLRuntime

/// A TLS setup or connection failure, with OpenSSL's own text where it gave one.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    /// `what`, followed by the oldest error OpenSSL queued on this thread (the queue is emptied).
    static func openSSL(_ what: String) -> TLSError {
        if let text = OpenSSLErrorQueue.take() { return TLSError("\(what): \(text)") }
        return TLSError(what)
    }
}

/// OpenSSL's per-thread error queue.
enum OpenSSLErrorQueue {
    /// The text of the oldest queued error, or nil; empties the queue.
    static func take() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard cdl_take_error_text(&buffer, buffer.count) != 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Forgets earlier errors, so that the next call's result is read correctly.
    static func clear() { cdl_ERR_clear_error() }
}
