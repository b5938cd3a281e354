import Foundation
import KiteCore

/// A cron schedule in a time zone: five fields (minute, hour, day of month, month, day of week) with `*`, lists,
/// ranges, steps and names (`jan`, `mon`), or `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`. As in cron, when
/// both the day of month and the day of week are restricted a day matching either fires.
///
/// Times are wall-clock times in the zone: on a daylight-saving change a time that does not exist that day is
/// skipped, and one that happens twice fires once, at its first occurrence.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    public let expression: String
    public let timeZone: TimeZone
    /// The zone as named in the pipeline file.
    public let timeZoneName: String
    private let minutes: [Int]
    private let hours: [Int]
    private let daysOfMonth: Set<Int>
    private let months: Set<Int>
    private let daysOfWeek: Set<Int>
    private let anyDayOfMonth: Bool
    private let anyDayOfWeek: Bool

    /// Parses `expression` for the zone named `timeZone` (an IANA name such as `Europe/Berlin`; UTC by default).
    public init(_ expression: String, timeZone: String = "UTC") throws {
        guard let zone = TimeZone(identifier: timeZone) else {
            throw KiteError.invalidArgument("unknown time zone '\(timeZone)'; use an IANA name such as UTC or Europe/Berlin")
        }
        let aliases = [
            "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *",
            "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
        ]
        let text = aliases[expression.trimmingSpaces().lowercased()] ?? expression
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw KiteError.invalidArgument(
                "cron schedule '\(expression)' needs five fields (minute hour day-of-month month day-of-week), or @daily and the like")
        }
        let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        func field(_ index: Int, _ name: String, _ range: ClosedRange<Int>, names: [String] = [], nameBase: Int = 0) throws -> [Int] {
            var values = Set<Int>()
            for part in fields[index].split(separator: ",", omittingEmptySubsequences: false) {
                let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
                guard pieces.count <= 2 else { throw KiteError.invalidArgument("cron \(name) '\(part)' has more than one '/'") }
                let step = try pieces.count == 2 ? Self.number(String(pieces[1]), name: name, names: [], base: 0) : 1
                guard step >= 1 else { throw KiteError.invalidArgument("cron \(name) step must be at least 1 in '\(part)'") }
                let span: ClosedRange<Int>
                if pieces[0] == "*" {
                    span = range
                } else if let dash = pieces[0].firstIndex(of: "-") {
                    let low = try Self.number(String(pieces[0][..<dash]), name: name, names: names, base: nameBase)
                    let high = try Self.number(String(pieces[0][pieces[0].index(after: dash)...]), name: name, names: names, base: nameBase)
                    guard low <= high else { throw KiteError.invalidArgument("cron \(name) range '\(pieces[0])' runs backwards") }
                    span = low...high
                } else {
                    let value = try Self.number(String(pieces[0]), name: name, names: names, base: nameBase)
                    span = value...(pieces.count == 2 ? range.upperBound : value)
                }
                guard range.contains(span.lowerBound), range.contains(span.upperBound) else {
                    throw KiteError.invalidArgument("cron \(name) '\(part)' is outside \(range.lowerBound)–\(range.upperBound)")
                }
                values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
            }
            return values.sorted()
        }
        minutes = try field(0, "minute", 0...59)
        hours = try field(1, "hour", 0...23)
        daysOfMonth = Set(try field(2, "day of month", 1...31))
        months = Set(try field(3, "month", 1...12, names: monthNames, nameBase: 1))
        daysOfWeek = Set(try field(4, "day of week", 0...7, names: dayNames).map { $0 % 7 })  // 7 is Sunday too
        anyDayOfMonth = fields[2] == "*" || fields[2] == "?"
        anyDayOfWeek = fields[4] == "*" || fields[4] == "?"
        self.expression = expression
        self.timeZone = zone
        self.timeZoneName = timeZone
        guard next(after: 0) != nil else { throw KiteError.invalidArgument("cron schedule '\(expression)' never fires") }
    }

    private static func number(_ text: String, name: String, names: [String], base: Int) throws -> Int {
        if let value = Int(text) { return value }
        if let index = names.firstIndex(of: text.lowercased()) { return index + base }
        throw KiteError.invalidArgument(
            "cron \(name) '\(text)' is not a number\(names.isEmpty ? "" : " or a name (\(names.prefix(3).joined(separator: ", ")), …)")")
    }

    public var description: String { "\(expression) (\(timeZoneName))" }

    /// The first time the schedule fires strictly after `time` (µs since the epoch), within eight years; nil if none.
    public func next(after time: Int64) -> Int64? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = Date(timeIntervalSince1970: Double(Timestamp.floorDivide(time, 1_000_000).quotient))
        var day = calendar.dateComponents([.year, .month, .day], from: start)
        for _ in 0..<(366 * 8) {
            guard let year = day.year, let month = day.month, let dayOfMonth = day.day else { return nil }
            if months.contains(month), dayMatches(year: year, month: month, day: dayOfMonth, calendar: calendar) {
                for hour in hours {
                    for minute in minutes {
                        let wall = DateComponents(year: year, month: month, day: dayOfMonth, hour: hour, minute: minute)
                        guard let date = calendar.date(from: wall) else { continue }
                        // A wall time the zone skips (the clocks went forward) comes back as another time: not a firing.
                        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
                        guard back.hour == hour, back.minute == minute, back.day == dayOfMonth else { continue }
                        let micros = Int64(date.timeIntervalSince1970.rounded()) * 1_000_000
                        if micros > time { return micros }
                    }
                }
            }
            guard let noon = calendar.date(from: DateComponents(year: year, month: month, day: dayOfMonth, hour: 12)),
                let tomorrow = calendar.date(byAdding: .day, value: 1, to: noon)
            else { return nil }
            day = calendar.dateComponents([.year, .month, .day], from: tomorrow)
        }
        return nil
    }

    /// Every firing in `(after, through]`, oldest first.
    public func times(after: Int64, through: Int64, limit: Int = 10_000) -> [Int64] {
        var result: [Int64] = []
        var cursor = after
        while result.count < limit, let next = next(after: cursor), next <= through {
            result.append(next)
            cursor = next
        }
        return result
    }

    private func dayMatches(year: Int, month: Int, day: Int, calendar: Calendar) -> Bool {
        let byMonth = daysOfMonth.contains(day)
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12)) else { return false }
        let byWeek = daysOfWeek.contains(calendar.component(.weekday, from: date) - 1)
        switch (anyDayOfMonth, anyDayOfWeek) {
        case (true, true): return true
        case (false, true): return byMonth
        case (true, false): return byWeek
        case (false, false): return byMonth || byWeek
        }
    }
}
