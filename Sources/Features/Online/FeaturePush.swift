import Foundation
import KiteCore
import ObjectStorage
import Parquet

/// Pushes rows of a feature view straight to the online store (the latest per entity), appends them to the
/// offline store as a new Parquet file in the view's source folder, or both — Feast's push sources.
public struct FeaturePush: Sendable {
    /// Where pushed rows go.
    public enum Target: String, Sendable, CaseIterable {
        case online
        case offline
        case onlineAndOffline = "online_and_offline"
    }

    public let definitions: FeatureDefinitions
    public let offlineStore: any ObjectStore
    public let onlineStore: any OnlineStore
    public let clock: WallClock

    public init(definitions: FeatureDefinitions, offlineStore: any ObjectStore, onlineStore: any OnlineStore, clock: WallClock = .system) {
        self.definitions = definitions
        self.offlineStore = offlineStore
        self.onlineStore = onlineStore
        self.clock = clock
    }

    /// What a push did: entities written online (newer than what was there), and the offline file it added.
    public struct Result: Sendable, Hashable {
        public var onlineWritten: Int
        public var offlineFile: String?
    }

    /// Pushes `frame` (the view's join keys, its source's timestamp column and any of its features) to `target`.
    public func push(_ frame: DataFrame, view name: String, to target: Target) async throws -> Result {
        let view = try definitions.view(named: name)
        let source = try definitions.source(of: view)
        let keys = definitions.joinKeys(of: view)
        let features = view.schema.map(\.name).filter { frame[$0] != nil }
        for column in keys + [source.timestampField] where frame[column] == nil {
            throw KiteError.invalidArgument(
                "the rows pushed to '\(view.name)' have no column '\(column)' (they have: \(frame.schema.names.joined(separator: ", ")))")
        }
        for name in frame.schema.names where !keys.contains(name) && name != source.timestampField && name != source.createdTimestampField {
            guard view.schema.contains(where: { $0.name == name }) else {
                throw KiteError.invalidArgument(
                    "'\(name)' is not a feature of '\(view.name)' (features: \(view.schema.map(\.name).joined(separator: ", ")))")
            }
        }
        for field in view.schema where features.contains(field.name) {
            let type = try frame.column(field.name).type
            guard type == field.type || (type.isNumeric && field.type.isNumeric && type != .timestamp && field.type != .timestamp) else {
                throw KiteError.invalidArgument("feature '\(field.name)' of '\(view.name)' is \(field.type); the pushed column is \(type)")
            }
        }
        // Refuse a push the offline store cannot take before writing anything.
        let folder = target == .online ? nil : try Self.folder(of: source)
        var result = Result(onlineWritten: 0, offlineFile: nil)
        if target != .offline {
            var latest = LatestRows()
            try latest.add(
                frame, keys: keys, time: source.timestampField, created: source.createdTimestampField, features: features,
                window: Int64.min...Int64.max)
            result.onlineWritten = try await onlineStore.write(view: view.name, rows: try latest.onlineRows(keys: keys, features: features), ttl: view.ttl)
        }
        if let folder {
            result.offlineFile = try await appendOffline(frame, folder: folder, mapping: source.fieldMapping)
        }
        return result
    }

    /// Rows for `view` from named columns of scalars (a JSON request's `df`): join keys typed as their entities,
    /// features as the view's schema, the timestamp columns (`event_timestamp`/`created` as Feast's remote store
    /// sends them, or the source's own names) as times. Other columns are refused.
    public func frame(view name: String, columns: [(name: String, values: [Scalar])]) throws -> DataFrame {
        let view = try definitions.view(named: name)
        let source = try definitions.source(of: view)
        var keyTypes: [String: DataType] = [:]
        for entity in definitions.entities where view.entities.contains(entity.name) {
            for key in entity.joinKeys { keyTypes[key] = entity.valueType }
        }
        var fields: [(String, DataColumn)] = []
        for (column, values) in columns {
            let (target, type): (String, DataType)
            if let keyType = keyTypes[column] {
                (target, type) = (column, keyType)
            } else if let field = view.schema.first(where: { $0.name == column }) {
                (target, type) = (column, field.type)
            } else if column == source.timestampField || column == "event_timestamp" {
                (target, type) = (source.timestampField, .timestamp)
            } else if column == source.createdTimestampField || column == "created" {
                guard let created = source.createdTimestampField else { continue }  // the source keeps no created time
                (target, type) = (created, .timestamp)
            } else {
                throw KiteError.invalidArgument("'\(column)' is not a join key, feature or timestamp of '\(view.name)'")
            }
            do {
                fields.append((target, try DataColumn(scalars: values, type: type)))
            } catch let error as KiteError {
                throw KiteError.invalidArgument("column '\(column)': \(error.message)")
            }
        }
        return try DataFrame(fields)
    }

    /// The folder new files of `source` go to: its folder, or the folder of its glob.
    static func folder(of source: FeatureDefinitions.BatchSource) throws -> String {
        if source.path.contains("*") {
            return String(source.path[..<(source.path.lastIndex(of: "/").map { source.path.index(after: $0) } ?? source.path.startIndex)])
        }
        guard !source.path.hasSuffix(".parquet") else {
            throw KiteError.invalidArgument(
                "source '\(source.name)' is one file (\(source.path)); pushing to the offline store needs a folder or a glob as its path")
        }
        return source.path.hasSuffix("/") ? source.path : source.path + "/"
    }

    /// Writes `frame` as a new Parquet file in `folder`, columns renamed back to the source's names.
    private func appendOffline(_ frame: DataFrame, folder: String, mapping: [String: String]) async throws -> String {
        let reverse = Dictionary(mapping.map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let renamed = try DataFrame(
            schema: Schema(
                frame.schema.fields.map { field in
                    var renamed = field
                    renamed.name = reverse[field.name] ?? field.name
                    return renamed
                }), columns: frame.columns)
        let key = folder + "push-\(clock.now())-\(UUID().uuidString.prefix(8).lowercased()).parquet"
        let writer = try await ParquetWriter(sink: try await offlineStore.makeSink(for: key), schema: renamed.schema)
        try await writer.write(renamed)
        try await writer.close()
        return key
    }
}
