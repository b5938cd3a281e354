import ArgumentParser
import Features
import Foundation
import KiteCore
import ObjectStorage
import Parquet
import Registry
import Serving

/// `kite batch-predict MODEL --entities FILE --out DIR`: score many entities as `kite serve` would, from the
/// offline store.
struct BatchPredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-predict",
        abstract: "Score entity rows with a registered model, features joined point in time from the offline store.",
        discussion: """
            For each entity row (join keys, a time, request fields), the model's feature service is joined as of \
            the row's time (--timestamp-column) or one time for all (--at), on-demand features are computed and \
            the model applied — the same scores `kite serve` gives. The output is Parquet partitioned by date \
            (or --partition-by COLUMN): the entity columns, the prediction columns and model_version, with the \
            model, its version and the definitions version in each file's metadata. Rows missing a value the \
            model cannot take get null predictions and are counted.

            The entity file is read one row group at a time, so memory holds one chunk of entity rows and the \
            features' columns, not the whole input. --shard I/N scores one of N slices (by join keys), so N \
            workers split a job. The job's state file (_kite_batch.json, or _kite_batch-I-of-N.json) lists the \
            chunks written; rerunning an interrupted job keeps them, and the state says "complete": true only \
            once every chunk is written.
            """)

    @OptionGroup var options: ProjectOptions
    @Argument(help: "The model: NAME@ALIAS, NAME@vN or NAME@latest.") var model: String
    @Option(help: "The entity rows: a Parquet file (a path or s3://bucket/key).") var entities: String
    @Option(help: "Where to write the predictions: a folder or s3://bucket/prefix.") var out: String
    @Option(help: "Score every row as of this time (ISO 8601), instead of each row's time.") var at: String?
    @Option(help: "The entity rows' time column.") var timestampColumn = "event_timestamp"
    @Option(help: "Partition the output by this column instead of by date.") var partitionBy: String?
    @Option(help: "Score one of N slices of the rows: I/N (e.g. 2/4).") var shard: String?
    @Option(help: "The probability at which a binary prediction is 1.") var threshold: Double = 0.5

    func run() async throws {
        let at = try at.map { text in
            do { return try Timestamp.parse(text) } catch {
                throw ValidationError("--at must be an ISO 8601 time such as 2026-03-01T00:00:00Z, not '\(text)'")
            }
        }
        let shard = try shard.map(BatchPrediction.Shard.init(parsing:))
        try await StoragePath.withS3 { s3 in
            let configuration = try options.configuration()
            let (definitions, definitionsVersion) = try await options.appliedDefinitions(configuration)
            let artifacts = try options.artifactStore(configuration, s3: s3)
            let (version, modelFile) = try await options.withRegistry(configuration) { [model] registry in
                let version = try await ModelLoader.version(reference: model, registry: registry)
                return (version, try await ModelLoader.model(of: version, reference: model, registry: registry, artifacts: artifacts))
            }
            var job = BatchPrediction(
                scorer: try BatchScorer(model: modelFile, threshold: threshold), reference: model, version: version.version,
                definitionsVersion: definitionsVersion.number)
            (job.at, job.timestampColumn, job.partitionBy, job.shard) = (at, timestampColumn, partitionBy, shard)
            let reader = try await ParquetReader(source: try await StoragePath.source(entities, s3: s3))
            var progress = ProgressReporter(total: reader.rowCount, unit: "rows")
            let summary = try await job.run(
                entities: reader, entitiesName: entities,
                builder: TrainingSetBuilder(definitions: definitions, offlineStore: try options.offlineStore(configuration, s3: s3)),
                output: try ObjectStores.openFolder(out, s3: s3)
            ) { progress.advance(by: $0) }
            progress.finish()
            let unscored = summary.rows - summary.scored
            Terminal.standardOutput(
                "scored \(summary.scored) of \(summary.rows) rows with \(model) (version \(version.version)) → \(out) (\(summary.files.count) files"
                    + (summary.keptChunks > 0 ? "; \(summary.keptChunks) chunks kept from an earlier run" : "") + ")\n"
                    + (unscored > 0 ? "\(unscored) rows lack a value the model needs: their predictions are null\n" : ""))
        }
    }
}
