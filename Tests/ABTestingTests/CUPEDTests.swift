import ABTesting
import Foundation
import KiteCore
import KiteTesting
import Testing

/// CUPED against `gbstats`' regression-adjusted t-test, and the variance it saves.
@Suite struct CUPEDTests {
    /// A variant whose units' post value is `lift + 0.8 · pre + noise` (values rounded to 1e-6 so they print exactly).
    static func metric(_ n: Int, lift: Double, _ generator: inout SeededGenerator) -> CUPED.Metric {
        var (post, pre, postSquares, preSquares, products) = (0.0, 0.0, 0.0, 0.0, 0.0)
        for _ in 0..<n {
            let x = (Double.random(in: 0..<100, using: &generator) * 1e6).rounded() / 1e6
            let y = ((lift + 0.8 * x + Double.random(in: -10..<10, using: &generator)) * 1e6).rounded() / 1e6
            post += y
            pre += x
            postSquares += y * y
            preSquares += x * x
            products += x * y
        }
        return CUPED.Metric(post: .mean(n: n, sum: post, sumSquares: postSquares), pre: .mean(n: n, sum: pre, sumSquares: preSquares), sumOfProducts: products)
    }

    static func json(_ metric: CUPED.Metric) -> String {
        #"{"post": \#(FrequentistTestTests.json(metric.post)), "pre": \#(FrequentistTestTests.json(metric.pre)), "products": \#(metric.sumOfProducts)}"#
    }

    @Test func equalsGbstatsAndNarrowsTheInterval() async throws {
        var generator = SeededGenerator(seed: 31)
        let pairs = [
            (Self.metric(50, lift: 10, &generator), Self.metric(60, lift: 12, &generator)),
            (Self.metric(3_000, lift: 10, &generator), Self.metric(3_100, lift: 10.5, &generator)),
        ]
        var cases: [(CUPED.Metric, CUPED.Metric, FrequentistTest.Difference)] = []
        for (a, b) in pairs { for difference in [FrequentistTest.Difference.relative, .absolute] { cases.append((a, b, difference)) } }
        // No pre-period variance: gbstats (and Kite) fall back to the unadjusted test.
        let flat = CUPED.Metric(post: .mean(n: 10, sum: 50, sumSquares: 300), pre: .mean(n: 10, sum: 10, sumSquares: 10), sumOfProducts: 50)
        cases.append(
            (flat, CUPED.Metric(post: .mean(n: 12, sum: 70, sumSquares: 450), pre: .mean(n: 12, sum: 12, sumSquares: 12), sumOfProducts: 70), .relative))
        let json = "[" + cases.map { #"{"a": \#(Self.json($0.0)), "b": \#(Self.json($0.1)), "difference": "\#($0.2.rawValue)"}"# }.joined(separator: ", ") + "]"
        let references: [FrequentistTestTests.Reference] = try await GbstatsPeer.answers("cuped", cases: json, count: cases.count)
        let close = { PeerValue.close($0, $1) }
        for ((a, b, difference), reference) in zip(cases, references) {
            let (control, variant) = CUPED.adjust(control: a, variant: b)
            let result = FrequentistTest(difference: difference).compare(control: control, variant: variant)
            #expect(close(result.expected, reference.expected) && close(result.pValue, reference.pValue), "\(difference): \(result) vs \(reference)")
            #expect(close(result.standardError, reference.stddev) && close(result.confidenceInterval.lower, reference.ci[0]), "\(difference)")
        }
        // The covariate explains most of the variance: the adjusted interval is much narrower.
        let (a, b) = pairs[1]
        let plain = FrequentistTest(difference: .absolute).compare(control: a.post, variant: b.post)
        let (control, variant) = CUPED.adjust(control: a, variant: b)
        let adjusted = FrequentistTest(difference: .absolute).compare(control: control, variant: variant)
        #expect(adjusted.standardError < plain.standardError / 2, "\(adjusted.standardError) vs \(plain.standardError)")
    }
}
