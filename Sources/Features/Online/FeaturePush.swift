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
        guard let view = definitions.featureViews.first(where: { $0.name == name }) else {
            throw KiteError(
                .notFound,
                "no feature view '\(name)' in the applied definitions (views: \(definitions.featureViews.map(\.name).joined(separator: ", ")))")
        }
        guard let source = definitions.sources.first(where: { $0.name == view.source }) else {
            throw KiteError.invalidArgument("feature view '\(view.name)' reads unknown source '\(view.source)'")
        }
        let keys = view.entities.flatMap { entity in definitions.entities.first { $0.name == entity }?.joinKeys ?? [] }
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
