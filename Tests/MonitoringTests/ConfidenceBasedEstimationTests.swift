import Foundation
import KiteCore
import KiteTesting
import Monitoring
import Parquet
import Testing

/// Estimated performance before labels arrive, against NannyML 0.13's CBPE (`Tests/peers/nannyml_peer.py`) on
/// generated binary classifiers: miscalibrated scores (calibration needed), tied scores (a tree model's few
/// values) and separable ones (no calibration), chunk by chunk, within 1e-6.
@Suite struct ConfidenceBasedEstimationTests {
    enum Scores: String, CaseIterable, Sendable {
        /// Scores the square of the true probability: calibration helps.
        case squared
        /// Squared scores rounded to two decimals: many ties, as a tree ensemble gives.
        case tied
        /// Labels decided by the score: ROC AUC 1, no calibration.
        case separable
    }

    @Test(arguments: Scores.allCases)
    func equalsNannyML(_ kind: Scores) async throws {
        let reference = try Self.frame(rows: 5_000, seed: 3, kind: kind, labelled: true, shift: 1)
        let analysis = try Self.frame(rows: 3_000, seed: 5, kind: kind, labelled: false, shift: 1.3)
        let directory = try TemporaryDirectory()
        try await ParquetWriter.write(reference.frame, to: directory.file("reference.parquet"))
        try await ParquetWriter.write(analysis.frame, to: directory.file("analysis.parquet"))
        let peer = try await Subprocess.run(
            try TestServices.monitorPython(),
            [TestEnvironment.peerScript("nannyml_peer.py"), "cbpe", directory.file("reference.parquet"), directory.file("analysis.parquet"), "1000"])
        #expect(peer.status == 0, "\(peer.standardError)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(peer.standardOutput.utf8)) as? [String: Any], "\(peer.standardOutput)")
        let chunks = try #require(answer["chunks"] as? [[String: Double]])
        #expect(chunks.count == 3)

        let estimation = try ConfidenceBasedEstimation(referenceScores: reference.scores, labels: reference.labels)
        #expect(estimation.calibrated == (answer["needs_calibration"] as? Bool), "\(kind)")
        #expect(estimation.calibrated == (kind != .separable))
        for (index, theirs) in chunks.enumerated() {
            let rows = (index * 1000)..<((index + 1) * 1000)
            let ours = estimation.estimate(scores: Array(analysis.scores[rows]), predictions: Array(analysis.predictions[rows]))
            let pairs: [(String, Double?)] = [
                ("roc_auc", ours.rocAUC), ("f1", ours.f1), ("precision", ours.precision), ("recall", ours.recall),
                ("specificity", ours.specificity), ("accuracy", ours.accuracy),
            ]
            for (metric, value) in pairs {
                let expected = try #require(theirs[metric])
                #expect(
                    PeerValue.close(value ?? .nan, expected, tolerance: 1e-6), "\(kind) chunk \(index) \(metric): Kite \(value ?? .nan), NannyML \(expected)")
            }
        }
    }

    @Test func badReferenceIsAClearError() {
        #expect(throws: KiteError.self) { try ConfidenceBasedEstimation(referenceScores: [0.1, 0.2], labels: [1]) }
        #expect(throws: KiteError.self) { try ConfidenceBasedEstimation(referenceScores: [0.1, .nan], labels: [1, 0]) }
        #expect(throws: KiteError.self) { try ConfidenceBasedEstimation(referenceScores: [0.1, 0.2], labels: [1, 2]) }
    }

    /// Generated rows: a true probability p (uniform, raised to `shift`), the label drawn from it, the score.
    static func frame(rows: Int, seed: UInt64, kind: Scores, labelled: Bool, shift: Double) throws -> (
        frame: DataFrame, scores: [Double], labels: [Double], predictions: [Int]
    ) {
        var random = SeededGenerator(seed: seed)
        var scores: [Double] = []
        var labels: [Double] = []
        for _ in 0..<rows {
            let p = pow(random.unit(), shift)
            let label = kind == .separable ? (p >= 0.5 ? 1.0 : 0) : (random.unit() < p ? 1 : 0)
            let score = kind == .separable ? p : kind == .tied ? (p * p * 100).rounded() / 100 : p * p
            scores.append(score)
            labels.append(label)
        }
        let predictions = scores.map { $0 >= 0.5 ? 1 : 0 }
        var columns: [(String, DataColumn)] = [
            ("y_pred_proba", .float64s(scores)), ("y_pred", .int64s(predictions.map { Int64($0) })),
        ]
        if labelled { columns.insert(("y_true", .int64s(labels.map { Int64($0) })), at: 0) }
        return (try DataFrame(columns), scores, labels, predictions)
    }
}
