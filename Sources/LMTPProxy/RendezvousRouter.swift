import POSIXCore

/// Rendezvous (highest random weight) hashing: a user goes to the backend whose weight
/// `hash(backend name, user)` is highest. Every proxy computes the same answer without talking
/// to the others, and adding a backend moves only the users for which the new one now weighs
/// most: about 1/N of them; removing one moves only its own users.
///
/// The hash is ``StableHash`` (64-bit FNV-1a finished by splitmix64's mixer) over the backend
/// name, a NUL and the user (UTF-8): fixed, so the choice never changes between processes,
/// restarts or releases (Swift's `Hasher` is seeded per process and would not do).
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
        var hash = StableHash()
        hash.combine(backend)
        hash.combine(byte: 0)
        hash.combine(user)
        return hash.value
    }
}
