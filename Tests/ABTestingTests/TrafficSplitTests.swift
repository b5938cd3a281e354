import ABTesting
import Foundation
import KiteCore
import KiteTesting
import Testing

/// Assignment as GrowthBook's SDK makes it, and the sample-ratio-mismatch check as `gbstats` computes it.
@Suite struct TrafficSplitTests {
    static func unit(_ i: Int) -> String { i % 7 == 0 ? "usér-\(i)-😀" : "user-\(i)" }

    /// 100,000 ids per configuration — hash versions 1 and 2, uneven weights, partial coverage, a namespace —
    /// get the variants the `growthbook` package gives them.
    @Test func assignmentEqualsGrowthBooks() async throws {
        let configs: [(weights: [Double], coverage: Double, seed: String, version: Int, namespace: TrafficSplit.Namespace?)] = [
            ([0.5, 0.5], 1, "fraud-ab", 2, nil),
            ([0.1, 0.3, 0.6], 1, "three-way", 2, nil),
            ([0.5, 0.5], 0.4, "partial", 2, nil),
            ([0.25, 0.75], 1, "legacy", 1, nil),
            ([0.2, 0.2, 0.2, 0.2, 0.2], 0.9, "five", 1, nil),
            ([0.5, 0.5], 1, "spaced", 2, TrafficSplit.Namespace(id: "checkout", start: 0.2, end: 0.7)),
        ]
        let json =
            "["
            + configs.map { config in
                let namespace = config.namespace.map { #", "namespace": ["\#($0.id)", \#($0.start), \#($0.end)]"# } ?? ""
                return
                    #"{"weights": \#(config.weights), "coverage": \#(config.coverage), "seed": "\#(config.seed)", "hashVersion": \#(config.version)\#(namespace)}"#
            }.joined(separator: ", ") + "]"
        let count = 100_000
        let peer = try await Subprocess.run(TestEnvironment.python, [TestEnvironment.peerScript("growthbook_peer.py"), "assign", json, String(count)])
        #expect(peer.status == 0, "\(peer.standardError)")
        let expected = peer.standardOutput.split(separator: "\n").map(String.init)
        #expect(expected.count == configs.count)
        for (config, line) in zip(configs, expected) {
            let split = try TrafficSplit(
                weights: config.weights, coverage: config.coverage, seed: config.seed, hashVersion: config.version, namespace: config.namespace)
            let ours = String((0..<count).map { i -> Character in split.variant(of: Self.unit(i)).map { Character(String($0)) } ?? "-" })
            let firstDifference = zip(ours, line).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(ours == line, "\(config.seed): first difference at id \(firstDifference ?? -1)")
        }
    }

    /// A million ids split within χ² expectations, and the same id always gets the same variant.
    @Test func splitsFairlyAndStickily() throws {
        let split = try TrafficSplit(weights: [0.2, 0.3, 0.5], seed: "fair")
        var counts = [0, 0, 0]
        for i in 0..<1_000_000 { counts[split.variant(of: "id-\(i)") ?? 0] += 1 }
        #expect(try SampleRatioMismatch.pValue(units: counts, weights: split.weights) > 0.001, "\(counts)")
        #expect((0..<1000).allSatisfy { split.variant(of: "id-\($0)") == split.variant(of: "id-\($0)") })
        // Raising a weight only adds units to that variant: none leaves it.
        let before = try TrafficSplit(weights: [0.5, 0.5], coverage: 0.5, seed: "ramp")
        let after = try TrafficSplit(weights: [0.5, 0.5], coverage: 1, seed: "ramp")
        #expect((0..<10_000).allSatisfy { i in before.variant(of: "u\(i)").map { after.variant(of: "u\(i)") == $0 } ?? true })
    }

    @Test func badSplitsAreRefused() {
        #expect(throws: KiteError.self) { try TrafficSplit(weights: [0.5, 0.6], seed: "s") }
        #expect(throws: KiteError.self) { try TrafficSplit(weights: [1], seed: "s") }
        #expect(throws: KiteError.self) { try TrafficSplit(weights: [1.5, -0.5], seed: "s") }
        #expect(throws: KiteError.self) { try TrafficSplit(weights: [0.5, 0.5], coverage: 1.2, seed: "s") }
        #expect(throws: KiteError.self) { try TrafficSplit(weights: [0.5, 0.5], seed: "s", hashVersion: 3) }
    }

    /// SRM fires on a seeded 52/48 split of 100,000 units and not on a fair one; p-values equal gbstats'.
    @Test func sampleRatioMismatchEqualsGbstats() async throws {
        var generator = SeededGenerator(seed: 7)
        var lopsided = [0, 0]
        var fair = [0, 0]
        for _ in 0..<100_000 {
            lopsided[Double.random(in: 0..<1, using: &generator) < 0.52 ? 0 : 1] += 1
            fair[Double.random(in: 0..<1, using: &generator) < 0.5 ? 0 : 1] += 1
        }
        #expect(try SampleRatioMismatch.isMismatched(units: lopsided, weights: [0.5, 0.5]))
        #expect(try !SampleRatioMismatch.isMismatched(units: fair, weights: [0.5, 0.5]))
        #expect(try !SampleRatioMismatch.isMismatched(units: [3, 12], weights: [0.5, 0.5]))  // too few units to judge
        let cases: [([Int], [Double])] = [
            (lopsided, [0.5, 0.5]), (fair, [0.5, 0.5]), ([1000, 1100, 950], [0.3, 0.4, 0.3]), ([10, 30], [0.5, 0.5]),
            ([5, 0], [0.5, 0.5]), ([0, 0], [0.5, 0.5]), ([500, 520, 480, 505, 0], [0.25, 0.25, 0.25, 0.25, 0]), ([1, 2], [0.9, 0.1]),
            ([100_000, 90_000], [0.5, 0.5]),
        ]
        let json = "[" + cases.map { "[\($0.0), \($0.1)]" }.joined(separator: ", ") + "]"
        let expected: [Double] = try await GbstatsPeer.answers("srm", cases: json, count: cases.count)
        for ((units, weights), reference) in zip(cases, expected) {
            let ours = try SampleRatioMismatch.pValue(units: units, weights: weights)
            #expect(PeerValue.close(ours, reference), "\(units) \(weights): \(ours) vs gbstats \(reference)")
        }
    }
}
