/// Rendezvous (highest random weight) hashing: a user goes to the backend whose weight
/// `hash(backend name, user)` is highest. Every proxy computes the same answer without talking
/// to the others, and adding a backend moves only the users for which the new one now weighs
/// most: about 1/N of them; removing one moves only its own users.
///
/// The hash is 64-bit FNV-1a over the backend name, a NUL and the user (UTF-8), finished by
/// splitmix64's mixer: fixed, so the choice never changes between processes, restarts or
/// releases (Swift's `Hasher` is seeded per process and would not do).
public struct RendezvousRouter: Sendable {
    public let backends: [String]

    public init(backends: [String]) {
        self.backends = backends
    }

    /// The backend for `user`, nil when there are no backends.
    public func backend(for user: String) -> String? {
        var best: (name: String, weight: UInt64)?
        for name in backends {
            let weight = Self.weight(backend: name, user: user)
            if best == nil || weight > best!.weight || (weight == best!.weight && name < best!.name) {
                best = (name, weight)
            }
        }
        return best?.name
    }

    /// The weight of `backend` for `user`.
    public static func weight(backend: String, user: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        for byte in backend.utf8 { mix(byte) }
        mix(0)
        for byte in user.utf8 { mix(byte) }
        var z = hash &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
