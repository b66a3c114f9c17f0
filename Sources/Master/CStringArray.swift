import Glibc

/// A NULL-terminated array of C strings (argv, envp) that owns its memory, built once and
/// reused for every spawn of a listener (nothing is allocated between fork and exec).
final class CStringArray {
    private var storage: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        storage = strings.map { strdup($0) } + [nil]
    }

    deinit {
        for pointer in storage { free(pointer) }
    }

    /// Calls `body` with the `char *const[]` pointer.
    func withPointer<R>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        storage.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
