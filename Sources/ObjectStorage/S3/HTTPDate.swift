import KiteCore

/// HTTP dates (`Wed, 21 Oct 2015 07:28:00 GMT`, RFC 7231's IMF-fixdate), as S3 sends in `Last-Modified`.
enum HTTPDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Microseconds since the epoch, or nil when `text` is not an IMF-fixdate.
    static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
            let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3])
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3, (1...31).contains(day) else { return nil }
        let days = Int64(Timestamp.daysFromCivil(year: year, month: month + 1, day: day))
        return days * Timestamp.microsPerDay + Int64(time[0] * 3600 + time[1] * 60 + time[2]) * 1_000_000
    }
}
