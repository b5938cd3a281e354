import KiteCore
import ObjectStorage
import Parquet

/// Builds training sets from a project's definitions and its offline store: reads the views' Parquet sources
/// (only the needed columns, skipping row groups outside the entity rows' time range), joins them point in time
/// onto the entity rows, then computes on-demand features.
public struct TrainingSetBuilder: Sendable {
    /// What a training set was built from, for lineage (stored in the Parquet file's metadata).
    public struct Lineage: Sendable {
        /// The feature references as given.
        public var features: [String]
        /// Each source file read and the rows it contributed.
        public var sources: [(path: String, rows: Int)]
    }

    public let definitions: FeatureDefinitions
    public let offlineStore: any ObjectStore

    /// A builder over `definitions` whose sources live in `offlineStore`.
    public init(definitions: FeatureDefinitions, offlineStore: any ObjectStore) {
        self.definitions = definitions
        self.offlineStore = offlineStore
    }

    /// The references of a feature service.
    public func references(service: String) throws -> [FeatureReference] { try definitions.references(service: service) }

    /// The training set: `entities` (with its `timestamp` column) and the referenced features as columns named
    /// `feature`, or `view__feature` with `fullFeatureNames`.
    public func build(
        entities: DataFrame, timestamp: String = "event_timestamp", features references: [FeatureReference],
        fullFeatureNames: Bool = false
    ) async throws -> (frame: DataFrame, lineage: Lineage) {
        let valid = try PointInTimeJoin.timestamps(entities, timestamp, what: "the entity frame").filter { $0 != .min }
        let prepared = try await prepare(
            features: references, fullFeatureNames: fullFeatureNames, timeRange: (valid.min() ?? 0)...(valid.max() ?? 0))
        return (try await prepared.join(entities: entities, timestamp: timestamp), prepared.lineage)
    }

    /// The referenced features ready to join onto any number of entity frames whose times fall in `timeRange`:
    /// each view's source read once (only the rows that can matter) and indexed.
    public func prepare(
        features references: [FeatureReference], fullFeatureNames: Bool = false, timeRange: ClosedRange<Int64>
    ) async throws -> PreparedFeatures {
        let wanted = try definitions.expand(references)
        // Every batch view needed, with the features it must bring (requested ones and on-demand inputs).
        var needed: [String: [String]] = [:]
        var order: [String] = []
        func need(_ view: String, _ feature: String) {
            if needed[view] == nil { order.append(view) }
            if !(needed[view]?.contains(feature) ?? false) { needed[view, default: []].append(feature) }
        }
        for (view, feature) in wanted {
            if definitions.featureViews.contains(where: { $0.name == view }) { need(view, feature) }
            if let onDemand = definitions.onDemandViews.first(where: { $0.name == view }),
                let definition = onDemand.features.first(where: { $0.name == feature })
            {
                for input in definition.expression.references where input.contains(":") {
                    let parts = input.split(separator: ":")
                    need(String(parts[0]), String(parts[1]))
                }
            }
        }
        var tables: [IndexedFeatureTable] = []
        var lineage = Lineage(features: references.map(\.description), sources: [])
        for viewName in order {
            guard let view = definitions.featureViews.first(where: { $0.name == viewName }) else { continue }
            let (table, read) = try await featureTable(view, features: needed[viewName] ?? [], timeRange: timeRange)
            tables.append(try IndexedFeatureTable(table))
            lineage.sources += read
        }
        return PreparedFeatures(definitions: definitions, wanted: wanted, fullFeatureNames: fullFeatureNames, tables: tables, lineage: lineage)
    }

    /// Names of joined columns before the final naming, so they cannot clash with entity columns.
    static func internalName(_ name: String) -> String { "\u{1}" + name }

    /// Reads a view's source for the join: only the key, time and feature columns, and only row groups whose
    /// event times can matter for entity rows in `timeRange`.
    func featureTable(
        _ view: FeatureDefinitions.FeatureView, features: [String], timeRange: ClosedRange<Int64>
    ) async throws -> (FeatureTable, [(path: String, rows: Int)]) {
        let source = try definitions.source(of: view)
        let keys = definitions.joinKeys(of: view)
        let reverse = Dictionary(source.fieldMapping.map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let physical = { (name: String) in reverse[name] ?? name }
        var columns = keys + [source.timestampField] + features.map(physical)
        if let created = source.createdTimestampField { columns.append(created) }
        let earliest = view.ttl.microseconds > 0 ? timeRange.lowerBound &- view.ttl.microseconds : Int64.min
        var frames: [DataFrame] = []
        var read: [(path: String, rows: Int)] = []
        var shape: Schema?
        for key in try await files(of: source) {
            let reader = try await ParquetReader(source: try await ObjectStoreSource(store: offlineStore, key: key))
            try reader.requireColumns(columns, key: key, source: source.name)
            shape = try Schema(columns.compactMap { name in reader.schema.index(of: name).map { reader.schema.fields[$0] } })
            let time = try reader.column(named: source.timestampField)
            var rows = 0
            // Groups skipped hold no row that can be the latest value at or before any entity time.
            for group in 0..<reader.rowGroupCount where reader.rowGroup(group, timeColumn: time, mayOverlap: earliest...timeRange.upperBound) {
                let frame = try await reader.readRowGroup(group, columns: columns)
                rows += frame.rowCount
                frames.append(frame)
            }
            read.append((key, rows))
        }
        guard let shape else {
            throw KiteError(.notFound, "source '\(source.name)' (\(source.path)) matches no Parquet files in \(offlineStore.url)")
        }
        let frame = frames.isEmpty ? DataFrame(empty: shape) : try DataFrame.concatenate(frames)
        let outputs = features.map { FeatureTable.Output(column: physical($0), name: Self.internalName("\(view.name)__\($0)")) }
        let table = FeatureTable(
            name: view.name, frame: frame, joinKeys: keys, eventTimestamp: source.timestampField,
            createdTimestamp: source.createdTimestampField, ttl: view.ttl, outputs: outputs)
        return (table, read)
    }

    /// The Parquet objects a source names: one file, every `.parquet` under a folder, or a `*` glob.
    public func files(of source: FeatureDefinitions.BatchSource) async throws -> [String] {
        let path = source.path
        if path.hasSuffix(".parquet") && !path.contains("*") { return [path] }
        let prefix = path.contains("*") ? String(path[..<(path.firstIndex(of: "*") ?? path.endIndex)]) : (path.hasSuffix("/") ? path : path + "/")
        var keys: [String] = []
        for try await entry in offlineStore.list(prefix: prefix) {
            guard case .object(let info) = entry, info.key.hasSuffix(".parquet") else { continue }
            if path.contains("*") && !Self.glob(path, matches: info.key) { continue }
            keys.append(info.key)
        }
        return keys
    }

    /// `*` matches any run of characters except `/`.
    static func glob(_ pattern: String, matches key: String) -> Bool {
        let p = Array(pattern)
        let k = Array(key)
        func match(_ i: Int, _ j: Int) -> Bool {
            if i == p.count { return j == k.count }
            if p[i] == "*" {
                var j2 = j
                while true {
                    if match(i + 1, j2) { return true }
                    if j2 == k.count || k[j2] == "/" { return false }
                    j2 += 1
                }
            }
            return j < k.count && p[i] == k[j] && match(i + 1, j + 1)
        }
        return match(0, 0)
    }
}
