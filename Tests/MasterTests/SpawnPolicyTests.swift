import Testing
@testable import Master

@Suite("spawn policy: prefork, on-demand, maxchild, babysit")
struct SpawnPolicyTests {
    @Test("prefork refills the idle children at once")
    func prefork() {
        let d = SpawnPolicy.decide(.init(ready: 0, active: 0, prefork: 3, maxchild: 10))
        #expect(d.forks == 3)
        #expect(d.reason == .prefork)
        #expect(!d.watchSocket)
        // One child became busy: one more to keep three ready.
        #expect(SpawnPolicy.decide(.init(ready: 2, active: 3, prefork: 3, maxchild: 10)).forks == 1)
        #expect(SpawnPolicy.decide(.init(ready: 3, active: 5, prefork: 3, maxchild: 10)).forks == 0)
    }

    @Test("prefork never goes past maxchild (a hard cap, unlike Cyrus)")
    func preforkCapped() {
        #expect(SpawnPolicy.decide(.init(ready: 0, active: 4, prefork: 3, maxchild: 5)).forks == 1)
        #expect(SpawnPolicy.decide(.init(ready: 0, active: 5, prefork: 3, maxchild: 5)).forks == 0)
        #expect(SpawnPolicy.decide(.init(ready: 0, active: 0, prefork: 10, maxchild: 2)).forks == 2)
    }

    @Test("on demand: the socket is watched only while no child is idle and there is room")
    func onDemand() {
        #expect(SpawnPolicy.decide(.init(ready: 0, active: 0, prefork: 0, maxchild: Int.max)).watchSocket)
        #expect(!SpawnPolicy.decide(.init(ready: 1, active: 1, prefork: 0, maxchild: Int.max)).watchSocket)
        #expect(SpawnPolicy.decide(.init(ready: 0, active: 2, prefork: 0, maxchild: 3)).watchSocket)
        // At maxchild connections wait in the backlog: neither forks nor watching.
        let full = SpawnPolicy.decide(.init(ready: 0, active: 3, prefork: 0, maxchild: 3))
        #expect(full.forks == 0 && !full.watchSocket)
        // maxchild=0: the service never gets a child (Cyrus's atoi quirk).
        let never = SpawnPolicy.decide(.init(ready: 0, active: 0, prefork: 2, maxchild: 0))
        #expect(never.forks == 0 && !never.watchSocket)
    }

    @Test("babysit forks one child when none is left")
    func babysit() {
        let d = SpawnPolicy.decide(.init(ready: 0, active: 0, prefork: 0, maxchild: 5, babysit: true))
        #expect(d.forks == 1 && d.reason == .babysit)
        #expect(SpawnPolicy.decide(.init(ready: 0, active: 1, prefork: 0, maxchild: 5, babysit: true)).forks == 0)
        // Daemons: babysat, no socket.
        let daemon = SpawnPolicy.decide(.init(ready: 0, active: 0, prefork: 1, maxchild: 1, babysit: true, hasSocket: false))
        #expect(daemon.forks == 1 && !daemon.watchSocket)
    }

    @Test("nothing while disabled, shutting down or fork-rate limited")
    func blocked() {
        #expect(SpawnPolicy.decide(.init(enabled: false, ready: 0, active: 0, prefork: 2, maxchild: 5)) == .init())
        #expect(SpawnPolicy.decide(.init(shuttingDown: true, ready: 0, active: 0, prefork: 2, maxchild: 5)) == .init())
        let limited = SpawnPolicy.decide(.init(ready: 0, active: 0, prefork: 2, maxchild: 5, forkAllowed: false))
        #expect(limited.forks == 0 && !limited.watchSocket && limited.rateLimited)
        let idle = SpawnPolicy.decide(.init(ready: 1, active: 1, prefork: 1, maxchild: 5, forkAllowed: false))
        #expect(!idle.rateLimited)
    }
}

@Suite("fork-rate estimate")
struct ForkRateLimiterTests {
    @Test("0 means unlimited")
    func unlimited() {
        var limiter = ForkRateLimiter(maxRate: 0)
        for i in 0..<1000 { limiter.recordFork(now: Double(i) / 1000) }
        let allowed = limiter.allows(now: 1)
        #expect(allowed)
    }

    @Test("a burst is capped within the first interval, then the decaying estimate governs")
    func burstAndDecay() {
        var limiter = ForkRateLimiter(maxRate: 10)
        var forks = 0
        var now = 100.0
        // Try to fork as fast as possible for 3 seconds, looking every millisecond.
        while now < 103 {
            if limiter.allows(now: now) {
                limiter.recordFork(now: now)
                forks += 1
            }
            now += 0.001
        }
        // About 10 per second, never wildly more.
        #expect(forks >= 15 && forks <= 40, "forks in 3 s at maxforkrate=10: \(forks)")
        // The estimate decays: after a quiet while forking is allowed again.
        let allowedLater = limiter.allows(now: now + 3)
        #expect(allowedLater)
    }

    @Test("the estimate halves every interval without forks")
    func decay() {
        var limiter = ForkRateLimiter(maxRate: 5)
        limiter.recordFork(now: 0)
        for _ in 0..<3 { limiter.recordFork(now: 0.1) }
        _ = limiter.allows(now: 0.4)    // 4 forks / 0.4 s = 10/s, weighted 0.5 → 5
        #expect(abs(limiter.rate - 5) < 1e-9)
        let allowedAtCap = limiter.allows(now: 0.5)
        #expect(!allowedAtCap)
        _ = limiter.allows(now: 0.8)    // no forks: 2.5
        #expect(abs(limiter.rate - 2.5) < 1e-9)
        let allowedBelow = limiter.allows(now: 0.81)
        #expect(allowedBelow)
        #expect(limiter.nextCheck(after: 1) == 1.4)
    }
}

@Suite("READY-failure throttle")
struct FailureThrottleTests {
    /// Records failures at the given times; returns the verdict of each.
    func record(_ throttle: inout FailureThrottle, _ times: [Double]) -> [Bool] {
        times.map { throttle.recordFailure(now: $0) }
    }

    @Test("the 5th failure within 10 s disables")
    func fifth() {
        var throttle = FailureThrottle()
        let verdicts = record(&throttle, [0, 1, 2, 3, 4])
        #expect(verdicts == [false, false, false, false, true])
    }

    @Test("a gap of more than 10 s since the previous failure starts the count again")
    func window() {
        var throttle = FailureThrottle()
        #expect(record(&throttle, [0, 1, 2, 3, 14]) == [false, false, false, false, false])
        #expect(throttle.count == 1)
        // Failures 9 s apart keep counting (the window is from the previous failure).
        #expect(record(&throttle, [23, 32, 41, 50]) == [false, false, false, true])
        throttle.reset()
        #expect(throttle.count == 0)
    }
}
