import ABTesting
import Foundation
import KiteCore
import KiteTesting
import Testing

/// The Bayesian comparison against `gbstats`' EffectBayesianABTest: flat and proper priors, inverse metrics,
/// relative and absolute differences, clear winners and coin flips.
@Suite struct BayesianTestTests {
    struct Reference: Decodable {
        var chanceToWin: Double
        var expected: Double
        var stddev: Double
        var ci: [Double]
        var risk: [Double]
        var error: String?

        enum CodingKeys: String, CodingKey {
            case chanceToWin = "chance_to_win"
            case expected, stddev, ci, risk, error
        }
    }

    @Test func equalsGbstats() async throws {
        var generator = SeededGenerator(seed: 23)
        let pairs: [(MetricStatistic, MetricStatistic)] = [
            (FrequentistTestTests.sample(3, mean: 10, sd: 3, &generator), FrequentistTestTests.sample(4, mean: 12, sd: 3, &generator)),
            (FrequentistTestTests.sample(2_000, mean: 50, sd: 10, &generator), FrequentistTestTests.sample(2_100, mean: 50.4, sd: 11, &generator)),
            (.proportion(n: 10_000, sum: 1_200), .proportion(n: 10_050, sum: 1_310)),
            (.proportion(n: 500, sum: 50), .proportion(n: 520, sum: 20)),
            (.proportion(n: 1_000_000, sum: 50_000), .proportion(n: 1_000_000, sum: 58_000)),
            (.proportion(n: 100, sum: 0), .proportion(n: 100, sum: 5)),
            (.mean(n: 0, sum: 0, sumSquares: 0), .mean(n: 10, sum: 50, sumSquares: 300)),
        ]
        var cases: [(MetricStatistic, MetricStatistic, BayesianTest)] = []
        for (a, b) in pairs {
            for difference in [FrequentistTest.Difference.relative, .absolute] {
                cases.append((a, b, BayesianTest(difference: difference)))
                cases.append((a, b, BayesianTest(difference: difference, alpha: 0.1, inverse: true, prior: .init(mean: 0.01, variance: 0.04, proper: true))))
            }
        }
        let json =
            "["
            + cases.map { a, b, test in
                #"{"a": \#(FrequentistTestTests.json(a)), "b": \#(FrequentistTestTests.json(b)), "difference": "\#(test.difference.rawValue)", "alpha": \#(test.alpha), "inverse": \#(test.inverse ? "true" : "false"), "prior": {"mean": \#(test.prior.mean), "variance": \#(test.prior.variance), "proper": \#(test.prior.proper ? "true" : "false")}}"#
            }.joined(separator: ", ") + "]"
        let references: [Reference] = try await GbstatsPeer.answers("bayes", cases: json, count: cases.count)
        let close = { PeerValue.close($0, $1) }
        for ((a, b, test), reference) in zip(cases, references) {
            let result = test.compare(control: a, variant: b)
            let label = "\(a) vs \(b), \(test.difference), inverse \(test.inverse), proper prior \(test.prior.proper)"
            #expect((result.error == nil) == (reference.error == nil), "\(label): \(result.error ?? "no error") vs \(reference.error ?? "no error")")
            #expect(close(result.chanceToWin, reference.chanceToWin), "\(label): chance \(result.chanceToWin) vs \(reference.chanceToWin)")
            #expect(close(result.expected, reference.expected) && close(result.standardDeviation, reference.stddev), "\(label)")
            #expect(
                close(result.credibleInterval.lower, reference.ci[0]) && close(result.credibleInterval.upper, reference.ci[1]),
                "\(label): ci \(result.credibleInterval) vs \(reference.ci)")
            #expect(
                close(result.risk.control, reference.risk[0]) && close(result.risk.variant, reference.risk[1]),
                "\(label): risk \(result.risk) vs \(reference.risk)")
        }
    }
}
