import Foundation
import KiteCore
import Learning
import Testing

/// Saving and loading models: bit-identical predictions, and damaged or foreign files rejected clearly.
@Suite struct ModelFileTests {
    /// A GBDT and a logistic model on a small frame with a missing value, a boolean and a category.
    static func models() throws -> (DataFrame, [ModelFile]) {
        var generator = SeededGenerator(seed: 5)
        let rows = 400
        let amounts: [Double?] = (0..<rows).map { $0 % 17 == 0 ? nil : Double.random(in: 0..<100, using: &generator) }
        let categories: [String?] = (0..<rows).map { ["food", "fuel", "travel"][$0 % 3] }
        let flags: [Bool?] = (0..<rows).map { $0 % 5 == 0 }
        let labels: [Double?] = (0..<rows).map { (amounts[$0] ?? 50) > 60 || $0 % 5 == 0 ? 1 : 0 }
        let frame = try DataFrame([("amount", .float64s(amounts)), ("flag", .bools(flags)), ("category", .strings(categories)), ("y", .float64s(labels))])
        let preprocessor = try Preprocessor.fit(
            [ColumnSpec(column: "amount", steps: [.impute(.mean, indicator: true), .standardize]), ColumnSpec(column: "category", encoding: .oneHot)],
            features: ["amount", "flag", "category"], on: frame)
        let x = try preprocessor.transform(frame)
        let y = try frame.column("y").doubles()
        var parameters = GBDTParameters(objective: .binary)
        parameters.numIterations = 20
        parameters.minDataInLeaf = 5
        let trees = try GBDTTrainer(parameters: parameters).fit(features: x, labels: y)
        let linear = try LinearTrainer.logistic(features: x, labels: y, c: 0.5)
        let signature = ModelFile.Signature(
            inputs: [.init(name: "amount", type: .float64), .init(name: "flag", type: .bool), .init(name: "category", type: .string)],
            featureService: "fraud_model", label: "y", task: .binary)
        return (
            frame,
            [
                ModelFile(signature: signature, preprocessor: preprocessor, learner: .gbdt(trees), training: ["rows": "400"], metrics: ["auc": 0.9]),
                ModelFile(signature: signature, preprocessor: preprocessor, learner: .linear(linear)),
            ]
        )
    }

    @Test func roundTripPredictsBitForBit() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kite-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (frame, models) = try Self.models()
        for (index, model) in models.enumerated() {
            let path = directory.appendingPathComponent("model\(index).json").path
            try model.save(to: path)
            let loaded = try ModelFile.load(path: path)
            #expect(loaded == model)
            let before = try model.predict(frame)
            let after = try loaded.predict(frame)
            #expect(before.map(\.bitPattern) == after.map(\.bitPattern))
            let row: [String: Scalar] = ["amount": .double(72.5), "flag": .bool(false), "category": .string("fuel")]
            #expect(try loaded.predict(row: row).bitPattern == model.predict(row: row).bitPattern)
            #expect(before.allSatisfy { $0 > 0 && $0 < 1 })
        }
    }

    @Test func multiclassRoundTripAndClassCountChecked() throws {
        let (frame, _) = try Self.models()
        let preprocessor = try Preprocessor.fit([ColumnSpec(column: "category", encoding: .ordinal)], features: ["amount", "category"], on: frame)
        let labels = (0..<frame.rowCount).map { Double($0 % 3) }
        var parameters = GBDTParameters(objective: .multiclass)
        parameters.numClass = 3
        parameters.numIterations = 10
        let trees = try GBDTTrainer(parameters: parameters).fit(features: try preprocessor.transform(frame), labels: labels)
        let signature = ModelFile.Signature(
            inputs: [.init(name: "amount", type: .float64), .init(name: "category", type: .string)], featureService: nil, label: "kind",
            task: .multiclass, classes: ["food", "fuel", "travel"])
        let model = ModelFile(signature: signature, preprocessor: preprocessor, learner: .gbdt(trees))
        let loaded = try ModelFile.decode(try model.encoded(), source: "m.json")
        #expect(loaded == model && loaded.signature.classes == ["food", "fuel", "travel"])
        #expect(try loaded.probabilities(frame).flatMap { $0 }.map(\.bitPattern) == model.probabilities(frame).flatMap { $0 }.map(\.bitPattern))
        #expect(try model.predict(frame) == (0..<frame.rowCount).map { Double($0 % 3) })  // the category gives the class away
        var wrong = model
        wrong.signature.classes = ["food", "fuel"]
        #expect { try ModelFile.decode(try wrong.encoded(), source: "m.json") } throws: { ($0 as? KiteError)?.code == .corruptData }
        // A signature whose task is not what the learner predicts is refused too.
        var mismatched = try Self.models().1[1]
        mismatched.signature.task = .multiclass
        #expect { try ModelFile.decode(try mismatched.encoded(), source: "m.json") } throws: { ($0 as? KiteError)?.code == .corruptData }
    }

    @Test func foreignDamagedAndNewerFilesAreRejected() throws {
        let (_, models) = try Self.models()
        let good = String(decoding: try models[0].encoded(), as: UTF8.self)
        #expect(good.contains("\"learner\":{\"gbdt\":{") && good.hasPrefix("{\"format\":\"kite-model\""))  // as docs/model-file.md shows
        rejected(good.replacingOccurrences(of: "\"learner\":{\"gbdt\"", with: "\"learner\":{\"forest\""), .corruptData)
        func rejected(_ text: String, _ code: KiteError.Code) {
            #expect { try ModelFile.decode(Data(text.utf8), source: "m.json") } throws: { ($0 as? KiteError)?.code == code }
        }
        rejected("not json", .corruptData)
        rejected("{\"format\": \"onnx\", \"version\": 1}", .corruptData)
        rejected(good.replacingOccurrences(of: "\"version\":1", with: "\"version\":2"), .unsupported)
        rejected(String(good.prefix(good.count / 2)), .corruptData)
        // A child pointer out of range or pointing back up: caught on load, not while predicting.
        guard case .gbdt(var trees) = models[0].learner, !trees.trees.isEmpty, !trees.trees[0].left.isEmpty else {
            Issue.record("expected trees")
            return
        }
        trees.trees[0].left[0] = 0
        var cyclic = models[0]
        cyclic.learner = .gbdt(trees)
        rejected(String(decoding: try cyclic.encoded(), as: UTF8.self), .corruptData)
        trees.trees[0].left[0] = ~1000
        var outOfRange = models[0]
        outOfRange.learner = .gbdt(trees)
        rejected(String(decoding: try outOfRange.encoded(), as: UTF8.self), .corruptData)
        #expect(throws: KiteError.self) { try ModelFile.load(path: "/nonexistent/model.json") }
    }
}
