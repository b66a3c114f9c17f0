import ConfParse
import Foundation
import Testing
@testable import Master

@Suite("at=HHMM: daily local time across daylight saving time (Europe/Berlin)")
struct DailyTimeTests {
    let zone = NamedZone("Europe/Berlin")

    func daily(_ hhmm: Int) -> DailyTime {
        DailyTime(time: TimeOfDay(hhmm: hhmm)!, zone: zone)
    }

    @Test("an ordinary day: today's time if it is still to come, else tomorrow's")
    func ordinaryDay() {
        let four = daily(400)
        #expect(four.first(atOrAfter: Double(berlin(2026, 6, 10, 3, 0))) == berlin(2026, 6, 10, 4, 0))
        #expect(four.first(atOrAfter: Double(berlin(2026, 6, 10, 5, 0))) == berlin(2026, 6, 11, 4, 0))
        // Started exactly at the time: it runs now (as Cyrus, whose mark is not in the past).
        #expect(four.first(atOrAfter: Double(berlin(2026, 6, 10, 4, 0))) == berlin(2026, 6, 10, 4, 0))
        // After that run, the next one is tomorrow's.
        #expect(four.next(after: Double(berlin(2026, 6, 10, 4, 0))) == berlin(2026, 6, 11, 4, 0))
        #expect(four.next(after: Double(berlin(2026, 6, 10, 4, 0)) + 0.4) == berlin(2026, 6, 11, 4, 0))
        // Midnight and the last minute of the day.
        #expect(daily(0).next(after: Double(berlin(2026, 6, 10, 23, 59))) == berlin(2026, 6, 11, 0, 0))
        #expect(daily(2359).first(atOrAfter: Double(berlin(2026, 6, 10, 0, 0))) == berlin(2026, 6, 10, 23, 59))
    }

    @Test("spring forward: 02:30 does not exist on 29 March 2026, so it runs at 03:00 CEST, once")
    func springForwardGap() {
        let halfPastTwo = daily(230)
        let saturday = utc(2026, 3, 28, 1, 30)          // 02:30 CET
        let sunday = utc(2026, 3, 29, 1, 0)             // 03:00 CEST, the end of the jump
        let monday = utc(2026, 3, 30, 0, 30)            // 02:30 CEST
        #expect(halfPastTwo.next(after: Double(saturday)) == sunday)
        #expect(halfPastTwo.next(after: Double(sunday)) == monday)
        // Started during the jump's night (01:59 CET): still 03:00 that day.
        #expect(halfPastTwo.first(atOrAfter: Double(utc(2026, 3, 29, 0, 59))) == sunday)
    }

    /// The Sundays of 2026's changes: spring forward (23-hour day), fall back (25-hour day).
    static let changeSundays: [(month: Int, sunday: Int, hours: Int, utcHour: Int)] = [(3, 29, 23, 2), (10, 25, 25, 3)]

    @Test("a time after the change keeps its wall-clock time (a 23- or 25-hour day)", arguments: changeSundays)
    func afterTheChange(change: (month: Int, sunday: Int, hours: Int, utcHour: Int)) {
        let saturday = berlin(2026, change.month, change.sunday - 1, 4, 0)
        let sunday = daily(400).next(after: Double(saturday))
        #expect(sunday == utc(2026, change.month, change.sunday, change.utcHour, 0))
        #expect(sunday - saturday == change.hours * 3600)
    }

    @Test("fall back: 02:30 happens twice on 25 October 2026; it runs at the first (CEST) only")
    func fallBackFold() {
        let halfPastTwo = daily(230)
        let first = utc(2026, 10, 25, 0, 30)            // 02:30 CEST
        let second = utc(2026, 10, 25, 1, 30)           // 02:30 CET, the same wall-clock time
        #expect(halfPastTwo.next(after: Double(utc(2026, 10, 24, 0, 30))) == first)
        let following = halfPastTwo.next(after: Double(first))
        #expect(following != second)
        #expect(following == utc(2026, 10, 26, 1, 30))  // Monday 02:30 CET
        // Started between the two: the repeated hour does not count as a new day's run.
        #expect(halfPastTwo.first(atOrAfter: Double(utc(2026, 10, 25, 1, 0))) == utc(2026, 10, 26, 1, 30))
    }

    @Test("a zone west of UTC and one with a half-hour daylight saving shift")
    func otherZones() {
        let newYork = DailyTime(time: TimeOfDay(hhmm: 230)!, zone: NamedZone("America/New_York"))
        // 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00 UTC); 02:30 runs at 03:00 EDT.
        #expect(newYork.next(after: Double(utc(2026, 3, 7, 7, 30))) == utc(2026, 3, 8, 7, 0))
        let lordHowe = DailyTime(time: TimeOfDay(hhmm: 215)!, zone: NamedZone("Australia/Lord_Howe"))
        // 4 October 2026: 02:00 (+10:30) jumps to 02:30 (+11): 02:15 runs at 02:30 local.
        #expect(lordHowe.next(after: Double(utc(2026, 10, 2, 15, 45))) == utc(2026, 10, 3, 15, 30))
    }

    @Test("the machine's zone through the C library agrees with tzdata")
    func systemZone() {
        let system = SystemTimeZone(), current = NamedZone(TimeZone.current.identifier)
        for instant in [utc(2026, 1, 15, 12, 0), utc(2026, 7, 15, 12, 0), utc(2026, 3, 29, 1, 0)] {
            #expect(system.offset(at: instant) == current.offset(at: instant))
        }
    }
}
