import Foundation
import KiteCore
import KiteTesting
import Learning
import Logging
import ObjectStorage
import Parquet
import Registry
import Testing

/// `kite predict` with a model file and with a registered model (`NAME@ALIAS`, `NAME@vN`).
@Suite struct PredictCommandTests {
    /// A small binary model on `amount` and `category`, and the frame it was trained on.
    static func model() throws -> (ModelFile, DataFrame) {
        var generator = SeededGenerator(seed: 3)
        let rows = 300
        let amounts: [Double?] = (0..<rows).map { $0 % 13 == 0 ? nil : Double.random(in: 0..<100, using: &generator) }
        let categories: [String?] = (0..<rows).map { ["food", "fuel", "travel"][$0 % 3] }
        let labels: [Double?] = (0..<rows).map { (amounts[$0] ?? 0) > 70 || $0 % 3 == 2 ? 1 : 0 }
        let frame = try DataFrame([
            ("id", .int64s((0..<rows).map { Int64($0) })), ("amount", .float64s(amounts)),
            ("category", .strings(categories)), ("y", .float64s(labels)),
        ])
        let preprocessor = try Preprocessor.fit([ColumnSpec(column: "category", encoding: .oneHot)], features: ["amount", "category"], on: frame)
        var parameters = GBDTParameters(objective: .binary)
        parameters.numIterations = 10
        parameters.minDataInLeaf = 5
        let trees = try GBDTTrainer(parameters: parameters).fit(features: try preprocessor.transform(frame), labels: try frame.column("y").doubles())
        let signature = ModelFile.Signature(
            inputs: [.init(name: "amount", type: .float64), .init(name: "category", type: .string)], featureService: nil, label: "y", task: .binary)
        return (ModelFile(signature: signature, preprocessor: preprocessor, learner: .gbdt(trees)), frame)
    }

    @Test func scoresAFileWithAModelFileAndARegisteredModel() async throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("project")
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["init", project]).status == 0)
        let (model, frame) = try Self.model()
        try model.save(to: directory.file("model.json"))
        let input = directory.file("input.parquet")
        try await ParquetWriter.write(try frame.select(["id", "amount", "category"]), to: input)
        let expected = try model.predict(frame)

        func check(_ reference: String) async throws {
            let output = directory.file("scored-\(reference.replacingOccurrences(of: "/", with: "_")).parquet")
            let result = try await Subprocess.run(
                TestEnvironment.kiteBinary, ["predict", reference, "--input", input, "--out", output, "--project", project])
            #expect(result.status == 0, "\(result.standardError)")
            let scored = try await ParquetReader(path: output).read()
            #expect(scored.schema.fields.map(\.name) == ["id", "amount", "category", "probability", "prediction"])
            #expect(try scored.column("probability").doubles() == expected)
            #expect(try scored.column("prediction").doubles() == expected.map { $0 >= 0.5 ? 1 : 0 })
            #expect(try scored.column("id").doubles() == (0..<300).map(Double.init))
        }
        try await check(directory.file("model.json"))

        // Registered: the version's artifacts hold model.json.
        try await RegistryStore.withStore(url: "sqlite:\(project)/.kite/registry.db", logger: Logger(label: "test")) { store in
            let run = try await store.createRun(experimentID: "0")
            let artifacts = ArtifactStore(objects: try LocalObjectStore(root: project + "/.kite/artifacts", create: true))
            guard let folder = ArtifactStore.path(ofURI: run.artifactURI) else {
                Issue.record("unexpected artifact URI \(run.artifactURI)")
                return
            }
            try await artifacts.objects.put(folder + "/model/model.json", bytes: Array(try model.encoded()))
            _ = try await store.createRegisteredModel(name: "fraud")
            _ = try await store.createModelVersion(name: "fraud", source: run.artifactURI + "/model", runID: run.id)
            try await store.setAlias(name: "fraud", alias: "champion", version: "1")
        }
        try await check("fraud@champion")
        try await check("fraud@v1")
        try await check("fraud@latest")

        let missing = try await Subprocess.run(
            TestEnvironment.kiteBinary,
            [
                "predict", directory.file("model.json"), "--input", directory.file("nothing.parquet"), "--out", directory.file("x.parquet"),
            ])
        #expect(missing.status == 1)
        let wrongColumns = directory.file("wrong.parquet")
        try await ParquetWriter.write(try frame.select(["id", "category"]), to: wrongColumns)
        let mismatch = try await Subprocess.run(
            TestEnvironment.kiteBinary,
            [
                "predict", directory.file("model.json"), "--input", wrongColumns, "--out", directory.file("y.parquet"),
            ])
        #expect(mismatch.status == 1 && mismatch.standardError.contains("no column 'amount'"), "\(mismatch.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("y.parquet")))
        let unknown = try await Subprocess.run(
            TestEnvironment.kiteBinary,
            [
                "predict", "ghost@champion", "--input", input, "--out", directory.file("z.parquet"), "--project", project,
            ])
        #expect(unknown.status == 1 && unknown.standardError.contains("ghost"), "\(unknown.standardError)")
        // A model that does not exist is reported as such, not as a missing version.
        let ghostVersion = try await Subprocess.run(
            TestEnvironment.kiteBinary,
            [
                "predict", "ghost@v1", "--input", input, "--out", directory.file("z.parquet"), "--project", project,
            ])
        #expect(ghostVersion.status == 1 && ghostVersion.standardError.contains("no registered model named 'ghost'"), "\(ghostVersion.standardError)")
    }
}
