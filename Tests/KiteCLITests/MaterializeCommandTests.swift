import Foundation
import KiteCore
import KiteTesting
import Testing

/// `kite materialize`, `materialize-incremental`, `push` and `features online` as a user runs them.
@Suite struct MaterializeCommandTests {
    @Test func materializeThenIncrementalThenShowTheOnlineStore() throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("fraud")
        #expect(try Subprocess.run(TestEnvironment.kiteBinary, ["init", "--example", "fraud", "--rows", "2000", project]).status == 0)
        #expect(try Subprocess.run(TestEnvironment.kiteBinary, ["apply", "--project", project]).status == 0)
        let kite = { (arguments: [String]) in try Subprocess.run(TestEnvironment.kiteBinary, arguments + ["--project", project]) }

        let first = try kite(["materialize", "2026-02-20T00:00:00Z", "2026-03-02T00:00:00Z"])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("customer_stats: 2026-02-20T00:00:00.000000Z to 2026-03-02T00:00:00.000000Z"), "\(first.standardOutput)")
        #expect(first.standardOutput.contains("merchant_stats:") && first.standardOutput.contains("entities written"))
        // Already up to that end: nothing to do for either view.
        let again = try kite(["materialize-incremental", "2026-03-02T00:00:00Z"])
        #expect(again.status == 0 && again.standardError.components(separatedBy: "nothing to do").count == 3, "\(again.standardError)")
        let later = try kite(["materialize-incremental", "2026-03-03T00:00:00Z", "--views", "merchant_stats"])
        #expect(later.standardOutput.contains("merchant_stats: 2026-03-02T00:00:00.000001Z to 2026-03-03T00:00:00.000000Z"), "\(later.standardOutput)")

        let shown = try kite(["features", "online"])
        #expect(shown.status == 0, "\(shown.standardError)")
        let customerLine = shown.standardOutput.split(separator: "\n").first { $0.hasPrefix("customer_stats") } ?? ""
        #expect(customerLine.contains("yes     40 "), "\(shown.standardOutput)")  // 2,000 transactions: 40 customers, all active
        #expect(shown.standardOutput.contains("2026-03-03T00:00:00.000000Z"))

        // Mistakes say what to do.
        let badTime = try kite(["materialize", "yesterday", "now"])
        #expect(badTime.status != 0 && badTime.standardError.contains("START"), "\(badTime.standardError)")
        let badView = try kite(["materialize", "2026-01-01", "2026-01-02", "--views", "nope"])
        #expect(badView.status != 0 && badView.standardError.contains("kite apply"), "\(badView.standardError)")
        let offline = try kite(["push", "merchant_stats", project + "/data/merchant_stats.parquet", "--to", "offline"])
        #expect(offline.status != 0 && offline.standardError.contains("one file"), "\(offline.standardError)")
        let target = try kite(["push", "merchant_stats", project + "/data/merchant_stats.parquet", "--to", "disk"])
        #expect(target.status != 0 && target.standardError.contains("online_and_offline"), "\(target.standardError)")
        let pushed = try kite(["push", "merchant_stats", project + "/data/merchant_stats.parquet"])
        #expect(pushed.status == 0 && pushed.standardOutput.contains("entities written online"), "\(pushed.standardError)")
    }
}
