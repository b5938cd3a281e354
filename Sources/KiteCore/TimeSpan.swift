/// A length of time in microseconds, written in configs as `90s`, `15m`, `36h`, `7d`, `2w` or `500ms`.
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in microseconds.
    public let microseconds: Int64

    /// Creates a span from microseconds.
    public init(microseconds: Int64) { self.microseconds = microseconds }

    private static let units: [(suffix: String, micros: Int64)] = [
        ("us", 1), ("ms", 1_000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000),
        ("d", 86_400_000_000), ("w", 604_800_000_000),
    ]

    /// Parses a number followed by a unit (`us`, `ms`, `s`, `m`, `h`, `d`, `w`); `0` alone is zero.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingSpaces()
        if trimmed == "0" {
            self.init(microseconds: 0)
            return
        }
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        let suffix = trimmed.dropFirst(digits.count)
        guard let number = Int64(digits), let unit = Self.units.first(where: { $0.suffix == suffix }) else {
            throw KiteError.invalidArgument(
                "'\(text)' is not a duration: write a whole number and a unit, e.g. 90s, 15m, 36h, 7d")
        }
        let (micros, overflow) = number.multipliedReportingOverflow(by: unit.micros)
        guard !overflow else { throw KiteError.invalidArgument("duration '\(text)' is too long") }
        self.init(microseconds: micros)
    }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.microseconds < rhs.microseconds }

    /// The shortest exact form, e.g. `36h`.
    public var description: String {
        if microseconds == 0 { return "0" }
        let unit = Self.units.last { microseconds % $0.micros == 0 } ?? Self.units[0]
        return "\(microseconds / unit.micros)\(unit.suffix)"
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    package func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
