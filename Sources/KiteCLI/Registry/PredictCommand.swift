import ArgumentParser
import Features
import Foundation
import KiteCore
import Learning
import ObjectStorage
import Parquet
import Registry
import Serving

/// `kite predict MODEL --input X.parquet --out Y.parquet`: score a file with a model file or a registered model.
struct PredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Score a Parquet file with a model: its columns pass through and prediction columns are added.",
        discussion: """
            MODEL is a Kite model file, or NAME@ALIAS / NAME@vN from the project's registry (the version's \
            artifacts hold model.json). Input columns are matched to the model's signature by name. Binary \
            classifiers add 'probability' and 'prediction' (1 when the probability is at least --threshold); \
            multiclass classifiers add 'probability_<class>' per class and 'prediction' (the most probable \
            class); regressors add 'prediction'. The input is read and scored one row group at a time, so files larger \
            than memory work; local paths and s3:// URLs both work.
            """
    )

    @OptionGroup var options: ProjectOptions
    @Argument(help: "A model file, or NAME@ALIAS / NAME@vN from the registry.") var model: String
    @Option(help: "The Parquet file to score.") var input: String
    @Option(help: "Where to write the scored Parquet file.") var out: String
    @Option(help: "The probability at which a binary prediction is 1.") var threshold: Double = 0.5
    @Flag(help: "Add each row's explanation: shap_<input> columns (contributions to the log-odds or value) and shap_expected_value.")
    var explain = false

    func run() async throws {
        try await StoragePath.withS3 { try await run(s3: $0) }
    }

    private func run(s3: S3Client) async throws {
        guard (0...1).contains(threshold) else { throw KiteError.invalidArgument("--threshold must be between 0 and 1, not \(threshold)") }
        let scorer = try BatchScorer(model: try await Self.resolve(self.model, options: options, s3: s3), threshold: threshold, explains: explain)
        let reader = try await ParquetReader(source: try await StoragePath.source(input, s3: s3))
        var writer: ParquetWriter?
        var sink: (any ByteSink)?
        var progress = ProgressReporter(total: reader.rowCount, unit: "rows")
        do {
            for group in 0..<reader.rowGroupCount {
                let frame = try await reader.readRowGroup(group)
                let scored = try scorer.score(frame, explain: explain)
                if writer == nil {
                    let opened = try await StoragePath.sink(out, s3: s3)
                    sink = opened
                    writer = try await ParquetWriter(sink: opened, schema: scored.schema)
                }
                try await writer?.write(scored)
                progress.advance(by: frame.rowCount)
            }
            if writer == nil {
                // An input without row groups still gives an output with the input's and the prediction columns.
                let empty = try scorer.score(DataFrame(empty: reader.schema), explain: explain)
                writer = try await ParquetWriter(sink: try await StoragePath.sink(out, s3: s3), schema: empty.schema)
            }
            try await writer?.close()
        } catch {
            await writer?.abort()
            if writer == nil, var sink { await sink.abort() }
            throw error
        }
        progress.finish()
        Terminal.standardOutput("scored \(reader.rowCount) rows with \(self.model) → \(out)\n")
    }

    /// Loads a model file, or the model.json of a registered version (`NAME@ALIAS`, `NAME@vN`, `NAME@latest`).
    static func resolve(_ reference: String, options: ProjectOptions, s3: S3Client) async throws -> ModelFile {
        if FileManager.default.fileExists(atPath: reference) { return try ModelFile.load(path: reference) }
        guard let at = reference.lastIndex(of: "@"), at != reference.startIndex, reference.index(after: at) != reference.endIndex else {
            throw KiteError(.notFound, "no model file '\(reference)'; name a model file, or NAME@ALIAS, NAME@vN or NAME@latest from the registry")
        }
        let configuration = try options.configuration()
        let artifacts = try options.artifactStore(configuration, s3: s3)
        return try await options.withRegistry(configuration) { store in
            let version = try await ModelLoader.version(reference: reference, registry: store)
            return try await ModelLoader.model(of: version, reference: reference, registry: store, artifacts: artifacts)
        }
    }
}
