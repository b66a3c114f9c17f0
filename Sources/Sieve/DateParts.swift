/// RFC 5260 dates: parsing RFC 5322 date-time values and extracting date parts in a zone.
enum DateParts {
    static let names: Set<String> = ["year", "month", "day", "date", "julian", "hour", "minute", "second", "time",
                                     "iso8601", "std11", "zone", "weekday"]

    /// `+hhmm` / `-hhmm` as minutes east of UTC.
    static func zoneOffset(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"),
              bytes[1...].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let hours = Int(bytes[1] - 48) * 10 + Int(bytes[2] - 48)
        let minutes = Int(bytes[3] - 48) * 10 + Int(bytes[4] - 48)
        guard hours <= 23, minutes <= 59 else { return nil }
        return (bytes[0] == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let zoneNames: [String: Int] = ["ut": 0, "gmt": 0, "z": 0, "est": -300, "edt": -240, "cst": -360,
                                                   "cdt": -300, "mst": -420, "mdt": -360, "pst": -480, "pdt": -420]

    /// An RFC 5322 date-time: seconds since 1970 UTC and the zone it was written in (minutes).
    static func parse(_ value: String) -> (seconds: Int64, zone: Int)? {
        var text = ""
        var comment = 0
        for c in value {
            if c == "(" { comment += 1 } else if c == ")" { comment = max(0, comment - 1) } else if comment == 0 { text.append(c) }
        }
        var tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "," }).map(String.init)
        if let first = tokens.first, first.count == 3, Int(first) == nil { tokens.removeFirst() }
        guard tokens.count >= 4, let day = Int(tokens[0]), (1...31).contains(day),
              let month = months.firstIndex(of: tokens[1].lowercased().prefix(3).description),
              var year = Int(tokens[2]) else { return nil }
        if tokens[2].count == 2 { year += year < 50 ? 2000 : 1900 } else if tokens[2].count == 3 { year += 1900 }
        guard (0...9999).contains(year) else { return nil }
        let clock = tokens[3].split(separator: ":").map { Int($0) }
        guard clock.count >= 2, clock.allSatisfy({ $0 != nil }), let hour = clock[0], let minute = clock[1],
              hour <= 23, minute <= 59 else { return nil }
        let second = clock.count > 2 ? (clock[2] ?? 0) : 0
        guard second <= 60 else { return nil }
        var zone = 0
        if tokens.count > 4 {
            if let offset = zoneOffset(tokens[4]) { zone = offset } else { zone = zoneNames[tokens[4].lowercased()] ?? 0 }
        }
        let days = daysFromCivil(year: year, month: month + 1, day: day)
        let local = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return (local - Int64(zone * 60), zone)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(abs(value))
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func zoneText(_ minutes: Int, colon: Bool) -> String {
        (minutes < 0 ? "-" : "+") + pad(abs(minutes) / 60, 2) + (colon ? ":" : "") + pad(abs(minutes) % 60, 2)
    }

    /// The value of date part `part` of `seconds` (UTC) seen in zone `zone` (minutes).
    static func part(_ part: String, seconds: Int64, zone: Int) -> String? {
        let local = seconds + Int64(zone * 60)
        let days = Int((local >= 0 ? local : local - 86_399) / 86_400)
        let secondOfDay = Int(local - Int64(days) * 86_400)
        let (year, month, day) = civilFromDays(days)
        let hour = secondOfDay / 3600, minute = secondOfDay / 60 % 60, second = secondOfDay % 60
        let date = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        let time = pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
        let weekday = ((days % 7) + 11) % 7
        switch part.lowercased() {
        case "year": return pad(year, 4)
        case "month": return pad(month, 2)
        case "day": return pad(day, 2)
        case "date": return date
        case "julian": return String(days + 40_587)
        case "hour": return pad(hour, 2)
        case "minute": return pad(minute, 2)
        case "second": return pad(second, 2)
        case "time": return time
        case "iso8601": return date + "T" + time + zoneText(zone, colon: true)
        case "std11":
            let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            return "\(weekdays[weekday]), \(pad(day, 2)) \(monthNames[month - 1]) \(pad(year, 4)) \(time) \(zoneText(zone, colon: false))"
        case "zone": return zoneText(zone, colon: false)
        case "weekday": return String(weekday)
        default: return nil
        }
    }
}
