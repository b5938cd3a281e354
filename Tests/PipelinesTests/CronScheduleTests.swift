import Foundation
import KiteCore
import Pipelines
import Testing

/// Cron arithmetic: fields, names, steps, month ends, the day-of-month/day-of-week rule, and daylight saving.
@Suite struct CronScheduleTests {
    func times(_ expression: String, zone: String = "UTC", after: String, count: Int) throws -> [String] {
        let schedule = try CronSchedule(expression, timeZone: zone)
        var cursor = try Timestamp.parse(after)
        var out: [String] = []
        for _ in 0..<count {
            guard let next = schedule.next(after: cursor) else { break }
            out.append(Timestamp.format(next).replacingOccurrences(of: ".000000Z", with: "Z"))
            cursor = next
        }
        return out
    }

    @Test func fieldsStepsAndNames() throws {
        #expect(
            try times("*/20 9-10 * * mon-fri", after: "2026-03-06T10:30:00Z", count: 4) == [
                "2026-03-06T10:40:00Z", "2026-03-09T09:00:00Z", "2026-03-09T09:20:00Z", "2026-03-09T09:40:00Z",
            ])
        #expect(try times("@daily", after: "2026-12-31T23:59:59Z", count: 2) == ["2027-01-01T00:00:00Z", "2027-01-02T00:00:00Z"])
        #expect(try times("0 12 * jan,jul 0", after: "2026-06-30T00:00:00Z", count: 2) == ["2026-07-05T12:00:00Z", "2026-07-12T12:00:00Z"])
        // Strictly after: a time on the schedule is not its own next time.
        #expect(try times("0 * * * *", after: "2026-01-01T05:00:00Z", count: 1) == ["2026-01-01T06:00:00Z"])
    }

    @Test func monthEndsAndLeapDays() throws {
        #expect(
            try times("0 0 31 * *", after: "2026-01-31T00:00:00Z", count: 3) == ["2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z"])
        #expect(try times("0 0 29 2 *", after: "2026-01-01T00:00:00Z", count: 2) == ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"])
        // Both day fields restricted: a day matching either fires (the 13th, or a Friday).
        #expect(
            try times("0 0 13 * fri", after: "2026-02-10T00:00:00Z", count: 3) == [
                "2026-02-13T00:00:00Z", "2026-02-20T00:00:00Z", "2026-02-27T00:00:00Z",
            ])
    }

    @Test func daylightSavingChanges() throws {
        // Berlin springs forward on 2026-03-29 (02:00 → 03:00): 02:30 does not exist that day and is skipped.
        #expect(
            try times("30 2 * * *", zone: "Europe/Berlin", after: "2026-03-27T12:00:00Z", count: 3) == [
                "2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z",
            ])
        // Berlin falls back on 2026-10-25 (03:00 → 02:00): 02:30 happens twice and fires once, at the first.
        #expect(
            try times("30 2 * * *", zone: "Europe/Berlin", after: "2026-10-24T12:00:00Z", count: 2) == [
                "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z",
            ])
        // A daily 09:00 stays 09:00 local across the change (08:00 UTC in winter time, 07:00 in summer time).
        #expect(
            try times("0 9 * * *", zone: "Europe/Berlin", after: "2026-03-28T00:00:00Z", count: 2) == [
                "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z",
            ])
        let hourly = try CronSchedule("0 * * * *", timeZone: "America/New_York")
        let start = try Timestamp.parse("2026-11-01T04:00:00Z")  // 00:00 EDT; 01:00 happens twice that night
        #expect(hourly.times(after: start, through: start + 4 * 3_600_000_000).count == 3)
    }

    @Test func mistakesAreNamed() {
        for (expression, message) in [
            ("0 0 * *", "five fields"), ("61 * * * *", "outside 0–59"), ("0 0 30 2 *", "never fires"), ("*/0 * * * *", "at least 1"),
            ("0 0 * foo *", "not a number or a name"), ("5-1 * * * *", "backwards"),
        ] {
            #expect {
                _ = try CronSchedule(expression)
            } throws: { error in (error as? KiteError)?.message.contains(message) == true }
        }
        #expect(throws: KiteError.self) { _ = try CronSchedule("@daily", timeZone: "Mars/Olympus") }
    }
}
