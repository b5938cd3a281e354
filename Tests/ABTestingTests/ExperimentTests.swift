import ABTesting
import Foundation
import KiteCore
import Testing

/// Experiment definitions refuse bad input naming the field; an experiment's results compose the tests.
@Suite struct ExperimentTests {
    static let variants = [ExperimentDefinition.Variant(name: "control", model: "v1", weight: 0.5), .init(name: "treatment", model: "challenger", weight: 0.5)]

    @Test func definitionsAreValidatedAndRoundTrip() throws {
        let experiment = try ExperimentDefinition(
            key: "fraud-gbdt-vs-logistic", model: "fraud", variants: Self.variants, unit: "customer_id", metrics: ["is_fraud"])
        #expect(experiment.seed == "fraud-gbdt-vs-logistic" && experiment.status == .draft)
        let decoded = try JSONDecoder().decode(ExperimentDefinition.self, from: try JSONEncoder().encode(experiment))
        #expect(decoded == experiment)
        #expect(try experiment.split.variant(of: "customer-7") == (try decoded.split.variant(of: "customer-7")))

        func refused(_ make: () throws -> ExperimentDefinition, mentioning word: String) {
            do {
                _ = try make()
                Issue.record("expected an error mentioning \(word)")
            } catch let error as KiteError {
                #expect(error.code == .invalidArgument && error.message.contains(word), "\(error.message)")
            } catch {
                Issue.record("\(error)")
            }
        }
        refused(
            {
                try ExperimentDefinition(
                    key: "k", model: "fraud", variants: [.init(name: "a", model: "v1", weight: 0.5), .init(name: "b", model: "v2", weight: 0.6)], unit: "u")
            }, mentioning: "sum to 1")
        refused(
            {
                try ExperimentDefinition(
                    key: "k", model: "fraud", variants: [.init(name: "a", model: "v1", weight: 0.5), .init(name: "a", model: "v2", weight: 0.5)], unit: "u")
            }, mentioning: "twice")
        refused(
            {
                try ExperimentDefinition(
                    key: "k", model: "fraud", variants: [.init(name: "a", model: "", weight: 0.5), .init(name: "b", model: "v2", weight: 0.5)], unit: "u")
            }, mentioning: "names no model")
        refused({ try ExperimentDefinition(key: "bad key!", model: "fraud", variants: Self.variants, unit: "u") }, mentioning: "experiment key")
        refused({ try ExperimentDefinition(key: "k", model: "fraud", variants: [Self.variants[0]], unit: "u") }, mentioning: "at least two")
        refused({ try ExperimentDefinition(key: "k", model: "fraud", variants: Self.variants, unit: "u", coverage: 2) }, mentioning: "coverage")
    }

    @Test func resultsComposeTheTests() throws {
        let control = MetricStatistic.proportion(n: 10_400, sum: 1_248)
        let treatment = MetricStatistic.proportion(n: 9_600, sum: 1_200)
        let results = try ExperimentResults.analyze(variants: ["control", "treatment"], weights: [0.5, 0.5], metrics: [control, treatment])
        #expect(results.rows.map(\.variant) == ["control", "treatment"] && results.rows[0].frequentist == nil)
        #expect(results.rows[1].frequentist == FrequentistTest().compare(control: control, variant: treatment))
        #expect(results.rows[1].bayesian == BayesianTest().compare(control: control, variant: treatment))
        #expect(results.sampleRatioMismatch && results.sampleRatioPValue < 1e-6)  // 52/48 of 20,000 units
        let fair = try ExperimentResults.analyze(variants: ["a", "b"], weights: [0.5, 0.5], metrics: [control, .proportion(n: 10_390, sum: 1_300)])
        #expect(!fair.sampleRatioMismatch)

        let pre = [
            (MetricStatistic.mean(n: 10_400, sum: 520_000, sumSquares: 30_000_000), 700_000.0),
            (MetricStatistic.mean(n: 9_600, sum: 480_000, sumSquares: 27_700_000), 650_000.0),
        ]
        let adjusted = try ExperimentResults.analyze(variants: ["a", "b"], weights: [0.5, 0.5], metrics: [control, treatment], preExperiment: pre)
        let (a, b) = CUPED.adjust(
            control: .init(post: control, pre: pre[0].0, sumOfProducts: pre[0].1), variant: .init(post: treatment, pre: pre[1].0, sumOfProducts: pre[1].1))
        #expect(adjusted.rows[1].frequentist == FrequentistTest().compare(control: a, variant: b))
        #expect(throws: KiteError.self) { try ExperimentResults.analyze(variants: ["a"], weights: [1], metrics: [control]) }
    }
}
