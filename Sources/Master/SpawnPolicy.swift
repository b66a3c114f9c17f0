/// The scheduling decisions of one main-loop pass for one listener, as a pure function of its
/// state (`master/master.c: check_undermanned()` and the pselect set of `main()`).
public enum SpawnPolicy {
    /// What the policy looks at.
    public struct State: Sendable, Equatable {
        /// The listener can run children (not disabled, not removed, socket open).
        public var enabled: Bool
        /// Master is shutting down.
        public var shuttingDown: Bool
        /// Idle children.
        public var ready: Int
        /// All live children.
        public var active: Int
        public var prefork: Int
        /// `Int.max` for unlimited.
        public var maxchild: Int
        public var babysit: Bool
        /// The fork-rate limiter allows a fork now.
        public var forkAllowed: Bool
        /// Whether the listener has a socket to watch (daemons have none).
        public var hasSocket: Bool

        public init(enabled: Bool = true, shuttingDown: Bool = false, ready: Int, active: Int, prefork: Int,
                    maxchild: Int, babysit: Bool = false, forkAllowed: Bool = true, hasSocket: Bool = true) {
            self.enabled = enabled
            self.shuttingDown = shuttingDown
            self.ready = ready
            self.active = active
            self.prefork = prefork
            self.maxchild = maxchild
            self.babysit = babysit
            self.forkAllowed = forkAllowed
            self.hasSocket = hasSocket
        }
    }

    /// What to do.
    public struct Decision: Sendable, Equatable {
        /// Children to fork now.
        public var forks: Int
        /// Why: prefork refill or the babysitter.
        public var reason: Reason
        /// Add the listening socket to the poll set (fork one child when a connection waits).
        public var watchSocket: Bool
        /// Forking was wanted but the fork-rate limiter refused: look again soon.
        public var rateLimited: Bool

        public enum Reason: Sendable, Equatable { case none, prefork, babysit }

        public init(forks: Int = 0, reason: Reason = .none, watchSocket: Bool = false, rateLimited: Bool = false) {
            self.forks = forks
            self.reason = reason
            self.watchSocket = watchSocket
            self.rateLimited = rateLimited
        }
    }

    /// The three rules of Cyrus master:
    /// * prefork: `ready < prefork` and `active < maxchild` → fork `prefork - ready` (capped
    ///   here by the room left under `maxchild`, which Cyrus does not do: maxchild is a hard cap);
    /// * babysit: no child at all → fork one;
    /// * on demand: watch the socket while `ready == 0` and `active < maxchild`.
    /// Nothing while disabled or shutting down, nor while the fork rate is exceeded.
    public static func decide(_ s: State) -> Decision {
        guard s.enabled, !s.shuttingDown, s.maxchild > 0 else { return Decision() }
        let room = s.maxchild == Int.max ? Int.max : max(0, s.maxchild - s.active)
        var wanted = 0
        var reason = Decision.Reason.none
        if s.active < s.maxchild && s.ready < s.prefork {
            wanted = min(s.prefork - s.ready, room)
            reason = .prefork
        } else if s.babysit && s.active == 0 {
            wanted = 1
            reason = .babysit
        }
        guard s.forkAllowed else {
            return Decision(rateLimited: wanted > 0 || (s.hasSocket && s.ready == 0 && s.active < s.maxchild))
        }
        let afterForks = s.active + wanted
        let watch = s.hasSocket && s.ready + wanted == 0 && afterForks < s.maxchild
        return Decision(forks: wanted, reason: reason, watchSocket: watch)
    }
}
