/// Parsing and formatting of timestamps, which Kite keeps as `Int64` microseconds since the epoch, UTC.
public enum Timestamp {
    /// Microseconds in one day.
    public static let microsPerDay: Int64 = 86_400_000_000

    /// Parses ISO 8601 / RFC 3339: `2024-05-01`, `2024-05-01T12:30:00`, `2024-05-01 12:30:00.25Z`,
    /// `2024-05-01T12:30:00.123456+02:00`. A time without offset is UTC; fractions beyond microseconds are
    /// truncated.
    public static func parse(_ text: String) throws -> Int64 {
        var scanner = Scanner(Array(text.utf8))
        let bad = KiteError.invalidArgument(
            "'\(text)' is not an ISO 8601 timestamp (expected e.g. 2024-05-01T12:30:00Z or 2024-05-01 12:30:00+02:00)")
        guard let year = scanner.digits(4), scanner.take(UInt8(ascii: "-")),
            let month = scanner.digits(2), scanner.take(UInt8(ascii: "-")),
            let day = scanner.digits(2)
        else { throw bad }
        guard (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(day) else { throw bad }
        var micros = Int64(daysFromCivil(year: year, month: month, day: day)) * microsPerDay
        if scanner.atEnd { return micros }
        guard scanner.take(UInt8(ascii: "T")) || scanner.take(UInt8(ascii: "t")) || scanner.take(UInt8(ascii: " ")),
            let hour = scanner.digits(2), scanner.take(UInt8(ascii: ":")),
            let minute = scanner.digits(2)
        else { throw bad }
        var second = 0
        if scanner.take(UInt8(ascii: ":")) {
            guard let s = scanner.digits(2) else { throw bad }
            second = s
        }
        guard hour < 24, minute < 60, second < 61 else { throw bad }
        micros += Int64(hour * 3600 + minute * 60 + Swift.min(second, 59)) * 1_000_000
        if scanner.take(UInt8(ascii: ".")) || scanner.take(UInt8(ascii: ",")) {
            var fraction: Int64 = 0
            var scale: Int64 = 100_000
            var count = 0
            while let digit = scanner.digit() {
                fraction += Int64(digit) * scale
                scale /= 10
                count += 1
            }
            guard count > 0 else { throw bad }
            micros += fraction
        }
        if scanner.atEnd { return micros }
        if scanner.take(UInt8(ascii: "Z")) || scanner.take(UInt8(ascii: "z")) {
            guard scanner.atEnd else { throw bad }
            return micros
        }
        let sign: Int64
        if scanner.take(UInt8(ascii: "+")) {
            sign = 1
        } else if scanner.take(UInt8(ascii: "-")) {
            sign = -1
        } else {
            throw bad
        }
        guard let offsetHours = scanner.digits(2) else { throw bad }
        _ = scanner.take(UInt8(ascii: ":"))
        let offsetMinutes = scanner.digits(2) ?? 0
        guard scanner.atEnd, offsetHours < 24, offsetMinutes < 60 else { throw bad }
        return micros - sign * Int64(offsetHours * 3600 + offsetMinutes * 60) * 1_000_000
    }

    /// Formats as RFC 3339 in UTC with microseconds: `2024-05-01T12:30:00.000000Z`.
    public static func format(_ micros: Int64) -> String {
        let (days, rest) = floorDivide(micros, microsPerDay)
        let (year, month, day) = civilFromDays(days)
        let seconds = rest / 1_000_000
        let fraction = rest % 1_000_000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(Int(seconds / 3600), 2)):"
            + "\(pad(Int(seconds / 60 % 60), 2)):\(pad(Int(seconds % 60), 2)).\(pad(Int(fraction), 6))Z"
    }

    /// Formats days since the epoch as `YYYY-MM-DD`.
    public static func formatDate(_ days: Int32) -> String {
        let (year, month, day) = civilFromDays(Int64(days))
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Parses `YYYY-MM-DD` into days since the epoch.
    public static func parseDate(_ text: String) throws -> Int32 {
        let micros = try parse(text)
        guard micros % microsPerDay == 0 else {
            throw KiteError.invalidArgument("'\(text)' is not a date (expected YYYY-MM-DD)")
        }
        return Int32(micros / microsPerDay)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day number since 1970-01-01.
    public static func civilFromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Division rounding toward negative infinity, with a non-negative remainder.
    public static func floorDivide(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = value / divisor
        let r = value % divisor
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(abs(value))
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// A cursor over ASCII bytes.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position == bytes.count }

        mutating func take(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        mutating func digit() -> Int? {
            guard position < bytes.count, (48...57).contains(bytes[position]) else { return nil }
            position += 1
            return Int(bytes[position - 1] - 48)
        }

        mutating func digits(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard let d = digit() else { return nil }
                value = value * 10 + d
            }
            return value
        }
    }
}
