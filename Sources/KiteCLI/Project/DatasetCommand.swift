import ArgumentParser
import Features
import KiteCore
import ObjectStorage
import Parquet
import Registry

/// `kite dataset`: a point-in-time correct training set.
struct DatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Build a point-in-time correct training set from labelled entity rows.",
        discussion: """
            For each entity row at time T, every feature takes the latest value at or before T (and within the \
            view's ttl). Every entity row comes out, in order; its other columns (labels) pass through. The \
            output records the definitions version, the features and the source files in its metadata.
            """
    )

    @OptionGroup var options: ProjectOptions

    @Option(help: "Parquet or CSV file of entity rows: the join keys, a timestamp column and any labels.")
    var entities: String

    @Option(help: "A feature service to use.")
    var service: String?

    @Option(help: "Features to use instead of a service: view:feature or view:*, comma-separated.")
    var features: String?

    @Option(help: "The entity rows' timestamp column.")
    var timestampColumn: String = "event_timestamp"

    @Flag(help: "Name feature columns view__feature.")
    var fullFeatureNames = false

    @Option(help: "The training set to write (.parquet or .csv; a path or s3://bucket/key).")
    var out: String

    func validate() throws {
        guard (service == nil) != (features == nil) else { throw ValidationError("give exactly one of --service and --features") }
    }

    func run() async throws {
        try await StoragePath.withS3 { try await run(s3: $0) }
    }

    private func run(s3: S3Client) async throws {
        let configuration = try options.configuration()
        let (definitions, version) = try await options.appliedDefinitions(configuration)
        let builder = TrainingSetBuilder(definitions: definitions, offlineStore: try options.offlineStore(configuration, s3: s3))
        let references =
            try service.map { try builder.references(service: $0) }
            ?? (features ?? "").split(separator: ",").map { try FeatureReference(parsing: String($0).trimmingSpaces()) }
        let (entityFrame, timestampStorage) = try await TableReader.readKeepingStorage(entities, s3: s3)
        guard entityFrame[timestampColumn] != nil else {
            throw KiteError.invalidArgument(
                "\(entities) has no column '\(timestampColumn)' (columns: \(entityFrame.schema.names.joined(separator: ", "))); "
                    + "name the column that holds each row's time with --timestamp-column")
        }
        let (frame, lineage) = try await builder.build(
            entities: entityFrame, timestamp: timestampColumn, features: references, fullFeatureNames: fullFeatureNames)
        if out.lowercased().hasSuffix(".csv") {
            try await StoragePath.write(out, s3: s3) { try await $0.write(Array(CSVWriter.write(frame).utf8)) }
        } else {
            var writerConfiguration = ParquetWriter.Configuration()
            writerConfiguration.timestampStorage = timestampStorage  // the entities' timestamps stay as they came
            writerConfiguration.keyValueMetadata =
                [
                    ("kite.definitions_version", String(version.number)),
                    ("kite.features", lineage.features.joined(separator: ",")),
                    ("kite.sources", lineage.sources.map { "\($0.path)=\($0.rows)" }.joined(separator: ",")),
                ] + (service.map { [("kite.feature_service", $0)] } ?? [])
            let writer = try await ParquetWriter(sink: try await StoragePath.sink(out, s3: s3), schema: frame.schema, configuration: writerConfiguration)
            try await writer.write(frame)
            try await writer.close()
        }
        let matched = frame.columns.dropFirst(entityFrame.schema.count).first.map { $0.count - $0.nullCount } ?? 0
        Terminal.standardError(
            "wrote \(frame.rowCount) rows × \(frame.schema.count - entityFrame.schema.count) features to \(out) "
                + "(\(matched) rows with a value for the first feature; definitions version \(version.number))")
    }
}
