import Foundation
import KiteCore
import KiteTesting
import Learning
import Testing

/// LightGBM and XGBoost models, trained by the real libraries, imported and compared with the libraries' own
/// predictions and explanations on 100,000 fresh rows with missing values and odd category codes.
@Suite struct ModelImportTests {
    struct Peer {
        var model: ModelFile
        var features: Matrix
        var raw: [Double]
        var predicted: [Double]
        var contributions: [Double]
        var outputs: Int
        var contributionRows: Int
        /// XGBoost's model saved as UBJSON too, read.
        var binary: ImportedModel?
    }

    static func peer(_ library: String, _ objective: String, seed: Int, rows: Int = 100_000, explained: Int) throws -> Peer {
        let folder = try TemporaryDirectory()
        let output = try Subprocess.python("import_peer.py", [library, objective, String(seed), String(rows), String(explained), folder.path])
        let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
        let file = folder.file(library.hasPrefix("lightgbm") ? "model.txt" : "model.json")
        let imported = try ImportedModel.read(try Data(contentsOf: URL(fileURLWithPath: file)), source: file)
        let ubj = folder.file("model.ubj")
        let binary = library == "xgboost" ? try ImportedModel.read(try Data(contentsOf: URL(fileURLWithPath: ubj)), source: ubj) : nil
        return Peer(
            model: try imported.modelFile(), features: try Matrix(rows: rows, columns: 10, values: try folder.float64s("x.f64")),
            raw: try folder.float64s("raw.f64"),
            predicted: try folder.float64s("predicted.f64"), contributions: try folder.float64s("contributions.f64"), outputs: (json["outputs"] as? Int) ?? 0,
            contributionRows: (json["contribution_rows"] as? Int) ?? 0, binary: binary)
    }

    /// The largest relative difference |a − b| / max(1, |b|).
    static func worst(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    static let cases: [(String, String)] = [
        ("lightgbm", "binary"), ("lightgbm", "multiclass"), ("lightgbm", "regression"), ("lightgbm", "regression_l1"), ("lightgbm", "huber"),
        ("lightgbm-zero", "binary"), ("lightgbm-zero", "regression"),
        ("xgboost", "binary"), ("xgboost", "multiclass"), ("xgboost", "regression"), ("xgboost", "regression_l1"), ("xgboost", "huber"),
    ]

    @Test(arguments: cases)
    func predictionsAndExplanationsEqualTheLibrary(library: String, objective: String) throws {
        let peer = try Self.peer(library, objective, seed: 21, explained: 1_000)
        guard case .gbdt(let trees) = peer.model.learner else { throw KiteError.corrupt("not trees") }
        let predictor = try trees.predictor()
        let outputs = peer.outputs
        if let binary = peer.binary { #expect(binary.trees == trees && binary.featureNames == peer.model.signature.inputs.map(\.name)) }
        // Raw scores of every row through the packed predictor; one row at a time, packed or not, the same.
        let raw = try predictor.rawScores(peer.features)
        for row in 0..<1_000 {
            let values = Array(peer.features.values[row * 10..<(row + 1) * 10])
            let scores = Array(raw[row * outputs..<(row + 1) * outputs])
            #expect(try predictor.rawScores(values) == scores && trees.rawScores(values) == scores)
        }
        #expect(Self.worst(raw, peer.raw) <= 1e-12, "\(library) \(objective) raw scores differ by \(Self.worst(raw, peer.raw))")
        let predicted: [Double] =
            outputs > 1 ? try peer.model.probabilities(features: peer.features).flatMap { $0 } : try peer.model.predict(features: peer.features)
        #expect(Self.worst(predicted, peer.predicted) <= 1e-12, "\(library) \(objective) predictions differ by \(Self.worst(predicted, peer.predicted))")

        let explained = try Matrix(rows: peer.contributionRows, columns: 10, values: Array(peer.features.values[0..<peer.contributionRows * 10]))
        let explainer = try peer.model.explainer()
        let contributions = try explainer.contributions(explained)
        // Tabulated trees and TreeSHAP's recursion agree.
        if library != "xgboost" {
            let recursive = try ModelExplainer(peer.model.learner, tableBudget: 0).contributions(explained)
            #expect(Self.worst(recursive, contributions) <= 1e-12, "tables and recursion differ by \(Self.worst(recursive, contributions))")
        }
        var kite: [Double] = []
        for row in 0..<peer.contributionRows {
            for output in 0..<outputs {
                let start = (row * outputs + output) * 10
                kite += contributions[start..<start + 10] + [explainer.expectedValues[output]]
            }
        }
        // LightGBM explains in double precision, XGBoost in single precision: Kite computes each as its library does.
        let tolerance = 1e-9
        #expect(Self.worst(kite, peer.contributions) <= tolerance, "\(library) \(objective) contributions differ by \(Self.worst(kite, peer.contributions))")
        // Additivity: contributions plus the expected value give the raw score (1e-9; XGBoost's single-precision
        // values add up to its raw score to Float's precision).
        for row in 0..<peer.contributionRows {
            let scores = try trees.rawScores(Array(explained.values[row * 10..<(row + 1) * 10]))
            for output in 0..<outputs {
                let start = (row * outputs + output) * 10
                let total = contributions[start..<start + 10].reduce(explainer.expectedValues[output], +)
                if library != "xgboost" {
                    #expect(PeerValue.close(total, scores[output], tolerance: 1e-9))
                } else {
                    // Float sums: within Float's rounding of the terms' size.
                    let size = contributions[start..<start + 10].reduce(abs(explainer.expectedValues[output])) { $0 + abs($1) }
                    #expect(abs(total - scores[output]) <= 1e-5 * max(1, size), "\(total) vs \(scores[output])")
                }
            }
        }
    }

    /// A chain 600 levels deep predicts, but explaining it is refused (TreeSHAP recurses per level).
    @Test func treesTooDeepToExplainAreAClearError() throws {
        var tree = DecisionTree()
        let depth = 600
        for node in 0..<depth {
            tree.feature.append(0)
            tree.threshold.append(Double(node))
            tree.defaultLeft.append(true)
            tree.left.append(~node)
            tree.right.append(node + 1 < depth ? node + 1 : ~depth)
        }
        tree.leafValues = (0...depth).map { Double($0) / 1000 }
        tree.nodeCover = (0..<depth).map { Double(depth + 1 - $0) }
        tree.leafCover = Array(repeating: 1, count: depth + 1)
        let model = GradientBoostedTrees(
            objective: .regression, featureCount: 1, outputCount: 1, initialScores: [0], trees: [tree], splitCounts: [depth], splitGains: [0])
        #expect(try model.predictor().predict([599.5]) == 0.6)
        #expect(throws: KiteError.self) { try ModelExplainer(.gbdt(model)) }
    }
}
