/// Stops the process when a fuzz target's invariant does not hold. libFuzzer reports the trap
/// as a crash and saves the input; in `swift test` the corpus test crashes with the message.
/// (Unlike `precondition`, this also traps in `-Ounchecked` builds.)
@inline(never)
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
             file: StaticString = #fileID, line: UInt = #line) {
    if !condition() {
        fatalError("fuzz invariant broken: \(message())", file: file, line: line)
    }
}

/// Reads configuration bytes off the front of a fuzz input; a short input reads as zeros.
struct FuzzInput {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The next byte, or 0 past the end.
    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// Everything not read yet.
    var rest: ArraySlice<UInt8> { position < bytes.count ? bytes[position...] : [] }
}

extension UInt8 {
    /// Whether bit `n` (0 = lowest) is set.
    func bit(_ n: Int) -> Bool { self & (1 << n) != 0 }
}

/// FNV-1a, to derive stable per-recipient decisions from fuzz bytes.
func fnv1a<S: Sequence>(_ bytes: S, seed: UInt8 = 0) -> UInt32 where S.Element == UInt8 {
    var hash: UInt32 = 2_166_136_261 ^ UInt32(seed)
    for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
    return hash
}
