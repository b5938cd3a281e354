import KiteCore
import Learning
import Testing

/// Gates as training configs write them, checked against a run's metrics and the champion's.
@Suite struct ValidationGateTests {
    @Test func parsesAndChecks() throws {
        let metrics = ["auc": 0.85, "rmse": 12.0]
        #expect(try ValidationGate(parsing: "auc >= 0.85").check(metrics, champion: nil).passed)
        #expect(try !ValidationGate(parsing: "auc > 0.85").check(metrics, champion: nil).passed)
        #expect(try ValidationGate(parsing: "rmse<12.5").check(metrics, champion: nil).passed)
        #expect(try !ValidationGate(parsing: "rmse <= 11.9").check(metrics, champion: nil).passed)
        let relative = try ValidationGate(parsing: "auc >= champion.auc - 0.002")
        #expect(relative.bound == .champion(metric: "auc", offset: -0.002) && relative.needsChampion)
        let outcome = try relative.check(metrics, champion: ["auc": 0.851])
        #expect(outcome.passed && outcome.threshold == 0.851 - 0.002)
        #expect(try !relative.check(metrics, champion: ["auc": 0.86]).passed)
        // No champion yet: nothing to beat.
        let first = try relative.check(metrics, champion: nil)
        #expect(first.passed && first.threshold == nil)
        #expect(try ValidationGate(parsing: "rmse <= champion.rmse + 1").check(metrics, champion: ["rmse": 11.5]).passed)
    }

    @Test func badGatesAreClearErrors() throws {
        for text in ["auc", "auc >= ", ">= 0.8", "auc >= champion.", "auc >= champion.auc * 2", "auc >= high", "a b >= 1"] {
            #expect(throws: KiteError.self, "\(text)") { try ValidationGate(parsing: text) }
        }
        let gate = try ValidationGate(parsing: "f1 >= 0.5")
        #expect(throws: KiteError.self) { try gate.check(["auc": 0.9], champion: nil) }
        #expect(throws: KiteError.self) { try ValidationGate(parsing: "auc >= champion.f1").check(["auc": 0.9], champion: ["auc": 0.8]) }
    }
}
