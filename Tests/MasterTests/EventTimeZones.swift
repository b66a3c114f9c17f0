import Foundation
@testable import Master

/// A named IANA zone (tzdata through Foundation) as the EVENTS schedule sees time zones: a
/// fixed zone for the tests instead of the machine's.
struct NamedZone: UTCOffsets {
    let zone: TimeZone

    init(_ identifier: String) {
        zone = TimeZone(identifier: identifier)!
    }

    func offset(at instant: Int) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant)))
    }
}

/// An instant given as UTC calendar fields.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int = 0) -> Int {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    return Int(date.timeIntervalSince1970)
}

/// An instant given as Europe/Berlin wall-clock fields (a time that exists once that day).
func berlin(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int = 0) -> Int {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "Europe/Berlin")!
    let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    return Int(date.timeIntervalSince1970)
}
