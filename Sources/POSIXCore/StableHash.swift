// POSIXCore: depends on libc (Glibc) and CShims only; nothing else of ours.

/// A 64-bit hash that is the same in every process, on every run and in every release:
/// FNV-1a over the bytes, finished by splitmix64's mixer (Swift's `Hasher` is seeded per
/// process, so it cannot place things that several processes must agree on).
public struct StableHash: Sendable {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    /// Adds one byte.
    public mutating func combine(byte: UInt8) {
        state ^= UInt64(byte)
        state &*= 0x0000_0100_0000_01b3
    }

    /// Adds the UTF-8 bytes of `text`.
    public mutating func combine(_ text: String) {
        for byte in text.utf8 { combine(byte: byte) }
    }

    /// The hash of everything added so far.
    public var value: UInt64 {
        var z = state &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
