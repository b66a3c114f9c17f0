import ConfParse

/// Where a daily local time of day (`at=HHMM`) falls on the time line, daylight saving time
/// included. Each local calendar day has exactly one run: the earliest instant at which that
/// day's wall clock reads the time or later. So on a day whose clocks jump over it (02:30 on a
/// spring-forward day in Europe) it runs when the jump ends (03:00), and on a day that has it
/// twice (autumn) only at the first one.
struct DailyTime {
    let time: TimeOfDay
    let zone: any UTCOffsets

    static let day = 86_400

    /// The first run at or after `instant` (seconds since 1970): at startup and after a reload.
    func first(atOrAfter instant: Double) -> Int {
        following(instant) { Double($0) >= instant }
    }

    /// The run after the one that happened at `instant`.
    func next(after instant: Double) -> Int {
        following(instant) { Double($0) > instant }
    }

    /// The run of local calendar day `day` (days since 1970-01-01 in local time).
    func occurrence(onDay day: Int) -> Int {
        let local = day * Self.day + time.hour * 3600 + time.minute * 60
        // Offsets well before and after: between them at most one transition matters.
        let before = zone.offset(at: local - 36 * 3600)
        let after = zone.offset(at: local + 36 * 3600)
        let exact = [local - before, local - after].filter { $0 + zone.offset(at: $0) == local }
        if let earliest = exact.min() { return earliest }
        guard after > before else { return local - before }
        // The clocks jumped over this time: the first instant after the jump (binary search
        // between the last instant of the old offset and the first of the new).
        var low = local - after, high = local - before
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if zone.offset(at: middle) == after { high = middle } else { low = middle }
        }
        return high
    }

    /// The local calendar day of `instant`.
    func localDay(of instant: Int) -> Int {
        let local = instant + zone.offset(at: instant)
        return local >= 0 ? local / Self.day : (local - Self.day + 1) / Self.day
    }

    private func following(_ instant: Double, _ accepts: (Int) -> Bool) -> Int {
        let today = localDay(of: Int(instant.rounded(.down)))
        for day in (today - 1)...(today + 2) {
            let run = occurrence(onDay: day)
            if accepts(run) { return run }
        }
        return occurrence(onDay: today + 3)
    }
}
