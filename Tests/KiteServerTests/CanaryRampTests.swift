import ABTesting
import KiteCore
import Serving
import Testing

/// A canary ramp: the split follows the schedule since the start, and the treatment only gains units.
@Suite struct CanaryRampTests {
    @Test func theSplitFollowsTheRamp() throws {
        let hour: Int64 = 3_600_000_000
        let start: Int64 = 1_800_000_000_000_000
        let definition = try ExperimentDefinition(
            key: "canary", model: "fraud", variants: [.init(name: "control", model: "champion", weight: 1), .init(name: "canary", model: "v2", weight: 0)],
            unit: "customer_id", status: .running, ramp: [.init(after: hour, weights: [0.99, 0.01]), .init(after: 2 * hour, weights: [0.5, 0.5])],
            startedAt: start)
        let running = RunningExperiment(definition: definition, schedule: try definition.schedule, variants: [], shadows: [])
        let units = (0..<20_000).map { "c\($0)" }
        func canaries(at time: Int64) -> Set<String> {
            let split = running.split(at: time)
            return Set(units.filter { split.variant(of: $0) == 1 })
        }
        let before = canaries(at: start + hour / 2)
        let early = canaries(at: start + hour + 1)
        let later = canaries(at: start + 3 * hour)
        #expect(before.isEmpty)
        #expect(early.count > 100 && early.count < 300, "\(early.count)")  // about 1%
        #expect(later.count > 9_500 && later.count < 10_500, "\(later.count)")  // about 50%
        #expect(early.isSubset(of: later))  // ramping up only adds units

        #expect(throws: KiteError.self) {
            try ExperimentDefinition(key: "k", model: "m", variants: definition.variants, unit: "u", ramp: [.init(after: hour, weights: [1])])
        }
        #expect(throws: KiteError.self) {
            try ExperimentDefinition(
                key: "k", model: "m", variants: definition.variants, unit: "u",
                ramp: [.init(after: 2 * hour, weights: [0.5, 0.5]), .init(after: hour, weights: [0.9, 0.1])])
        }
    }
}
