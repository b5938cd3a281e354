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

            The entity file is read one row group (chunk) at a time and joined in passes of whole chunks of up \
            to --rows-per-pass rows; each pass reads the feature sources once, row group by row group, so memory \
            holds one pass of entity rows with their features, neither the whole input nor the sources. --shard I/N scores one of N slices (by join keys), so N \
            workers split a job. The job's state file (_kite_batch.json, or _kite_batch-I-of-N.json) lists the \
            chunks written; rerunning an interrupted job keeps them, and the state says "complete": true only \
            once every chunk is written.

            --all-entities VIEW scores every entity of a feature view instead of an entity file: the keys with a \
            row in the view's source at or before --at (within the view's ttl). --to-online VIEW also writes the \
            scored rows to the online store as that feature view (its features named as prediction columns, such \
            as probability), so online callers read precomputed scores.
            """)

    @OptionGroup var options: ProjectOptions
    @Argument(help: "The model: NAME@ALIAS, NAME@vN or NAME@latest.") var model: String
    @Option(help: "The entity rows: a Parquet file (a path or s3://bucket/key).") var entities: String?
    @Option(help: "Instead of --entities: every entity of this feature view present in its source as of --at.") var allEntities: String?
    @Option(help: "Where to write the predictions: a folder or s3://bucket/prefix.") var out: String
    @Option(help: "Score every row as of this time (ISO 8601), instead of each row's time.") var at: String?
    @Option(help: "The entity rows' time column.") var timestampColumn = "event_timestamp"
    @Option(help: "Partition the output by this column instead of by date.") var partitionBy: String?
    @Option(help: "Score one of N slices of the rows: I/N (e.g. 2/4).") var shard: String?
    @Option(help: "The probability at which a binary prediction is 1.") var threshold: Double = 0.5
    @Option(help: "Also write the predictions to the online store as this feature view.") var toOnline: String?
    @Option(help: "Entity rows joined per pass over the feature sources (whole chunks; memory holds one pass).")
    var rowsPerPass = 1 << 20
    @Flag(help: "Add each row's explanation: shap_<input> columns (contributions to the log-odds or value) and shap_expected_value.")
    var explain = false

    func validate() throws {
        guard (entities == nil) != (allEntities == nil) else { throw ValidationError("give the entity rows: --entities FILE or --all-entities VIEW") }
        if allEntities != nil && at == nil { throw ValidationError("--all-entities needs --at: the time the entities are taken and scored as of") }
        if rowsPerPass < 1 { throw ValidationError("--rows-per-pass must be at least 1, not \(rowsPerPass)") }
    }

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
                scorer: try BatchScorer(model: modelFile, threshold: threshold, explains: explain), reference: model, version: version.version,
                definitionsVersion: definitionsVersion.number)
            (job.at, job.timestampColumn, job.partitionBy, job.shard, job.explain) = (at, timestampColumn, partitionBy, shard, explain)
            job.rowsPerPass = rowsPerPass
            let offline = try options.offlineStore(configuration, s3: s3)
            let builder = TrainingSetBuilder(definitions: definitions, offlineStore: offline)
            let output = try ObjectStores.openFolder(out, s3: s3)
            let summary = try await withEntities(builder: builder, at: at, s3: s3) { reader, name in
                if let view = toOnline {
                    return try await options.withOnlineStore(configuration) { online in
                        var job = job
                        job.online = try BatchPrediction.OnlineTarget(
                            push: FeaturePush(definitions: definitions, offlineStore: offline, onlineStore: online), view: view)
                        return try await score(job, reader: reader, name: name, builder: builder, output: output)
                    }
                }
                return try await score(job, reader: reader, name: name, builder: builder, output: output)
            }
            let unscored = summary.rows - summary.scored
            Terminal.standardOutput(
                "scored \(summary.scored) of \(summary.rows) rows with \(model) (version \(version.version)) → \(out) (\(summary.files.count) files"
                    + (summary.keptChunks > 0 ? "; \(summary.keptChunks) chunks kept from an earlier run" : "") + ")\n"
                    + (unscored > 0 ? "\(unscored) rows lack a value the model needs: their predictions are null\n" : "")
                    + (toOnline.map { "\(summary.onlineWritten) entities written online as \($0)\n" } ?? ""))
        }
    }

    /// Runs `job` with progress on a terminal.
    private func score(
        _ job: BatchPrediction, reader: ParquetReader, name: String, builder: TrainingSetBuilder, output: any ObjectStore
    ) async throws -> BatchPrediction.Summary {
        var progress = ProgressReporter(total: reader.rowCount, unit: "rows")
        let summary = try await job.run(entities: reader, entitiesName: name, builder: builder, output: output) { progress.advance(by: $0) }
        progress.finish()
        return summary
    }

    /// Calls `body` with the entity rows and their name in the output's metadata: --entities, or --all-entities'
    /// keys as of `at` (which `validate()` requires with it) written to a temporary Parquet file (in chunks of
    /// `allEntitiesChunk` rows) that is removed after.
    private func withEntities<T>(
        builder: TrainingSetBuilder, at: Int64?, s3: S3Client, _ body: (ParquetReader, String) async throws -> T
    ) async throws -> T {
        if let entities { return try await body(try await ParquetReader(source: try await StoragePath.source(entities, s3: s3)), entities) }
        guard let view = allEntities, let time = at else { throw ValidationError("--all-entities VIEW needs --at TIME") }
        let keys = try await builder.entityKeys(of: view, asOf: time)
        let file = FileManager.default.temporaryDirectory.path + "/kite-entities-\(UUID().uuidString).parquet"
        defer { try? FileManager.default.removeItem(atPath: file) }
        var configuration = ParquetWriter.Configuration()
        configuration.rowGroupSize = Self.allEntitiesChunk
        let writer = try await ParquetWriter(sink: try LocalFileSink(path: file), schema: keys.schema, configuration: configuration)
        try await writer.write(keys)
        try await writer.close()
        return try await body(try await ParquetReader(path: file), "every entity of \(view) as of \(Timestamp.format(time)) (\(keys.rowCount) keys)")
    }

    /// Entity rows per chunk with --all-entities.
    static let allEntitiesChunk = 65_536
}
