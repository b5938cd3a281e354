import ABTesting
import Foundation
import KiteCore
import KiteTesting
import Testing

/// Welch's t-test and the sequential test, against `gbstats` on generated data: tiny, lopsided, large, relative
/// and absolute, means and proportions.
@Suite struct FrequentistTestTests {
    struct Reference: Decodable {
        var expected: Double
        var ci: [Double]
        var pValue: Double
        var stddev: Double
        var error: String?

        enum CodingKeys: String, CodingKey {
            case pValue = "p_value"
            case expected, ci, stddev, error
        }
    }

    static func json(_ statistic: MetricStatistic) -> String {
        switch statistic {
        case .mean(let n, let sum, let squares): #"{"kind": "mean", "n": \#(n), "sum": \#(sum), "sum_squares": \#(squares)}"#
        case .proportion(let n, let sum): #"{"kind": "proportion", "n": \#(n), "sum": \#(sum)}"#
        }
    }

    /// Sufficient statistics of `n` draws from a normal(mean, sd) (rounded to 1e-6, so they print exactly).
    static func sample(_ n: Int, mean: Double, sd: Double, _ generator: inout SeededGenerator) -> MetricStatistic {
        var sum = 0.0
        var squares = 0.0
        for _ in 0..<n {
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let u2 = Double.random(in: 0..<1, using: &generator)
            let x = ((mean + sd * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)) * 1e6).rounded() / 1e6
            sum += x
            squares += x * x
        }
        return .mean(n: n, sum: sum, sumSquares: squares)
    }

    @Test func equalsGbstats() async throws {
        var generator = SeededGenerator(seed: 11)
        var pairs: [(MetricStatistic, MetricStatistic)] = [
            (Self.sample(2, mean: 10, sd: 3, &generator), Self.sample(3, mean: 11, sd: 3, &generator)),
            (Self.sample(12, mean: 5, sd: 1, &generator), Self.sample(900, mean: 5.2, sd: 4, &generator)),
            (Self.sample(5_000, mean: 100, sd: 20, &generator), Self.sample(5_100, mean: 101, sd: 21, &generator)),
            (.proportion(n: 10_000, sum: 1_200), .proportion(n: 10_050, sum: 1_310)),
            (.proportion(n: 20, sum: 3), .proportion(n: 2_000, sum: 260)),
            (.proportion(n: 1_000_000, sum: 50_000), .proportion(n: 1_000_000, sum: 50_100)),
            (Self.sample(40, mean: -3, sd: 2, &generator), Self.sample(45, mean: -2.5, sd: 2, &generator)),
        ]
        pairs += [(.proportion(n: 100, sum: 0), .proportion(n: 100, sum: 5)), (.mean(n: 1, sum: 4, sumSquares: 16), .mean(n: 10, sum: 50, sumSquares: 300))]
        var cases: [(MetricStatistic, MetricStatistic, FrequentistTest)] = []
        for (a, b) in pairs {
            for difference in [FrequentistTest.Difference.relative, .absolute] {
                cases.append((a, b, FrequentistTest(difference: difference)))
                cases.append((a, b, FrequentistTest(difference: difference, alpha: 0.1, sequentialTuning: 5_000)))
            }
        }
        cases.append((pairs[2].0, pairs[2].1, FrequentistTest(difference: .relative, alpha: 0.01)))
        let json =
            "["
            + cases.map { a, b, test in
                let sequential = test.sequentialTuning.map { String($0) } ?? "null"
                return
                    #"{"a": \#(Self.json(a)), "b": \#(Self.json(b)), "difference": "\#(test.difference.rawValue)", "alpha": \#(test.alpha), "sequential": \#(sequential)}"#
            }.joined(separator: ", ") + "]"
        let references: [Reference] = try await GbstatsPeer.answers("ttest", cases: json, count: cases.count)
        let close = { PeerValue.close($0, $1) }
        for ((a, b, test), reference) in zip(cases, references) {
            let result = test.compare(control: a, variant: b)
            let label = "\(a) vs \(b), \(test.difference), sequential \(test.sequentialTuning ?? 0)"
            #expect((result.error == nil) == (reference.error == nil), "\(label): \(result.error ?? "no error") vs \(reference.error ?? "no error")")
            #expect(close(result.expected, reference.expected), "\(label): expected \(result.expected) vs \(reference.expected)")
            #expect(close(result.pValue, reference.pValue), "\(label): p \(result.pValue) vs \(reference.pValue)")
            #expect(close(result.standardError, reference.stddev), "\(label): se \(result.standardError) vs \(reference.stddev)")
            #expect(
                close(result.confidenceInterval.lower, reference.ci[0]) && close(result.confidenceInterval.upper, reference.ci[1]),
                "\(label): ci \(result.confidenceInterval) vs \(reference.ci)")
        }
    }
}
