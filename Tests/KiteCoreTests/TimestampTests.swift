import Foundation
import KiteCore
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("1970-01-01", 0),
        ("2024-05-01T12:30:00Z", 1_714_566_600_000_000),
        ("2024-05-01 12:30:00", 1_714_566_600_000_000),
        ("2024-05-01T12:30", 1_714_566_600_000_000),
        ("2024-05-01T12:30:00.25Z", 1_714_566_600_250_000),
        ("2024-05-01T12:30:00.123456789Z", 1_714_566_600_123_456),
        ("2024-05-01T14:30:00+02:00", 1_714_566_600_000_000),
        ("2024-05-01T10:00:00-02:30", 1_714_566_600_000_000),
        ("2024-05-01T12:30:00+0000", 1_714_566_600_000_000),
        ("1969-12-31T23:59:59.999999Z", -1),
        ("2000-02-29T00:00:00Z", 951_782_400_000_000),
    ])
    func parses(text: String, micros: Int64) throws {
        #expect(try Timestamp.parse(text) == micros)
    }

    @Test(arguments: [
        "", "2024", "2024-13-01", "2023-02-29", "2024-05-01T25:00", "2024-05-01T12:30:00.Z",
        "2024-05-01T12:30:00+2", "2024-05-01X12:30", "2024-05-01T12:30:00Zjunk", "tomorrow",
    ])
    func rejects(text: String) {
        #expect(throws: KiteError.self) { try Timestamp.parse(text) }
    }

    @Test func formatsRFC3339WithMicroseconds() {
        #expect(Timestamp.format(0) == "1970-01-01T00:00:00.000000Z")
        #expect(Timestamp.format(-1) == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamp.format(1_714_566_600_250_000) == "2024-05-01T12:30:00.250000Z")
        #expect(Timestamp.formatDate(-1) == "1969-12-31")
        #expect(Timestamp.formatDate(19_844) == "2024-05-01")
    }

    @Test func roundTripsAndAgreesWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        let formatter = ISO8601DateFormatter()
        for _ in 0..<2000 {
            let micros = Int64.random(in: -5_000_000_000_000_000...5_000_000_000_000_000, using: &generator)
            let text = Timestamp.format(micros)
            #expect(try Timestamp.parse(text) == micros)
            let seconds = Timestamp.floorDivide(micros, 1_000_000).quotient
            let expected = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(text.prefix(19) == expected.prefix(19))
        }
    }

    @Test func timeSpans() throws {
        #expect(try TimeSpan(parsing: "90s").microseconds == 90_000_000)
        #expect(try TimeSpan(parsing: "15m").microseconds == 900_000_000)
        #expect(try TimeSpan(parsing: "36h").microseconds == 129_600_000_000)
        #expect(try TimeSpan(parsing: "7d").microseconds == 604_800_000_000)
        #expect(try TimeSpan(parsing: "250ms").microseconds == 250_000)
        #expect(try TimeSpan(parsing: "0").microseconds == 0)
        #expect(try TimeSpan(parsing: "36h").description == "36h")
        #expect(try TimeSpan(parsing: "14d").description == "2w")
        for bad in ["", "5", "d", "1.5h", "-3d", "10 years", "99999999999999999w"] {
            #expect(throws: KiteError.self) { try TimeSpan(parsing: bad) }
        }
    }

    /// HTTP dates: RFC 7231's example, the epoch, a leap day and a date before 1970, each formatted as Foundation's
    /// formatter writes it and parsed back to the same second.
    @Test func httpDatesFormatAndParse() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(HTTPDate.format(seconds: 1_445_412_480) == "Wed, 21 Oct 2015 07:28:00 GMT")
        for seconds: Int64 in [0, 1_445_412_480, 1_709_217_599, -86_401, 4_102_444_800] {
            let text = HTTPDate.format(seconds: seconds)
            #expect(text == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))), "\(seconds)")
            #expect(HTTPDate.parse(text) == seconds * 1_000_000, "\(text)")
        }
        #expect(HTTPDate.now().hasSuffix(" GMT"))
    }
}
