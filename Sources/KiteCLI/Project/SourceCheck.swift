import Features
import KiteCore
import ObjectStorage
import Parquet

/// Checks each batch source against its files: they have the columns the views read, with types that match the
/// declared schema. A source without files yet (a batch job's output, data still to land) is not an error, as in
/// Feast: it is returned, to be shown as a warning, and checked by the first apply that finds files.
enum SourceCheck {
    /// Throws at the first mismatch; returns a warning for each source that matches no files.
    static func verify(_ definitions: FeatureDefinitions, store: any ObjectStore) async throws -> [String] {
        let builder = TrainingSetBuilder(definitions: definitions, offlineStore: store)
        var warnings: [String] = []
        for source in definitions.sources {
            let files = try await builder.files(of: source)
            guard let first = files.first else {
                warnings.append(
                    "\(source.location): source '\(source.name)' matches no Parquet files at '\(source.path)' in \(store.url) yet; "
                        + "its columns are checked when it has some")
                continue
            }
            let schema = try await ParquetReader(source: try await ObjectStoreSource(store: store, key: first)).schema
            let reverse = Dictionary(source.fieldMapping.map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            func check(_ name: String, _ type: DataType?, _ location: String) throws {
                let physical = reverse[name] ?? name
                guard let index = schema.index(of: physical) else {
                    throw KiteError.invalidArgument(
                        "\(location): column '\(physical)' does not exist in \(first) (source '\(source.name)'); it has: \(schema.names.joined(separator: ", "))"
                    )
                }
                if let type, schema.fields[index].type != type {
                    throw KiteError.invalidArgument(
                        "\(location): '\(name)' is declared \(type) but \(first) stores \(schema.fields[index].type)")
                }
            }
            try check(source.timestampField, .timestamp, source.location)
            if let created = source.createdTimestampField { try check(created, .timestamp, source.location) }
            for view in definitions.featureViews where view.source == source.name {
                for field in view.schema { try check(field.name, field.type, view.location) }
                for entity in definitions.entities where view.entities.contains(entity.name) {
                    for key in entity.joinKeys { try check(key, nil, view.location) }
                }
            }
        }
        return warnings
    }
}
