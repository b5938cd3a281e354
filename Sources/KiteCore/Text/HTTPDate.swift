import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// HTTP dates (`Wed, 21 Oct 2015 07:28:00 GMT`, RFC 7231's IMF-fixdate): S3's `Last-Modified`, a response's `Date`.
public enum HTTPDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday

    /// Microseconds since the epoch, or nil when `text` is not an IMF-fixdate.
    public static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
            let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3])
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3, (1...31).contains(day) else { return nil }
        let days = Int64(Timestamp.daysFromCivil(year: year, month: month + 1, day: day))
        return days * Timestamp.microsPerDay + Int64(time[0] * 3600 + time[1] * 60 + time[2]) * 1_000_000
    }

    /// The IMF-fixdate of `seconds` since the epoch.
    public static func format(seconds: Int64) -> String {
        let (days, second) = Timestamp.floorDivide(seconds, 86_400)
        let (year, month, day) = Timestamp.civilFromDays(days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let weekday = weekdays[Int(Timestamp.floorDivide(days, 7).remainder)]
        return "\(weekday), \(two(Int64(day))) \(months[month - 1]) \(year) \(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)) GMT"
    }

    /// The current time's IMF-fixdate, formatted once a second.
    public static func now() -> String {
        let seconds = Int64(time(nil))
        return latest.withLock { latest in
            if latest.seconds != seconds { latest = (seconds, format(seconds: seconds)) }
            return latest.text
        }
    }

    private static let latest = Mutex<(seconds: Int64, text: String)>((0, ""))
}
