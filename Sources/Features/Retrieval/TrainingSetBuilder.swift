import KiteCore
import ObjectStorage

/// Builds training sets from a project's definitions and its offline store: joins the views' Parquet sources point
/// in time onto the entity rows (only the needed columns, skipping row groups outside the entity rows' time range),
/// then computes on-demand features.
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
    /// `feature`, or `view__feature` with `fullFeatureNames`; on-demand features are computed from the joined ones
    /// and the entity columns. Each view's source is streamed (`OfflineViewJoin`): only the entity rows are held.
    public func build(
        entities: DataFrame, timestamp: String = "event_timestamp", features references: [FeatureReference],
        fullFeatureNames: Bool = false
    ) async throws -> (frame: DataFrame, lineage: Lineage) {
        let entityTimes = try PointInTimeJoin.timestamps(entities, timestamp, what: "the entity frame")
        let valid = entityTimes.lazy.filter { $0 != .min }
        let timeRange = (valid.min() ?? 0)...(valid.max() ?? 0)
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
                for case (let view, let feature)? in definition.expression.references.map(FeatureDefinitions.OnDemandView.Feature.batchFeature) {
                    need(String(view), String(feature))
                }
            }
        }
        var joinedFields = entities.schema.fields
        var joinedColumns = entities.columns
        var lineage = Lineage(features: references.map(\.description), sources: [])
        var joins: [(join: OfflineViewJoin, features: [String], entityKeys: [DataColumn])] = []
        for viewName in order {
            guard let view = definitions.featureViews.first(where: { $0.name == viewName }) else { continue }
            let source = try definitions.source(of: view)
            let keys = definitions.joinKeys(of: view)
            let reverse = Dictionary(source.fieldMapping.map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            let features = needed[viewName] ?? []
            let join = OfflineViewJoin(
                view: view, source: source, joinKeys: keys, features: features.map { reverse[$0] ?? $0 }, files: try await files(of: source),
                store: offlineStore)
            joins.append((join, features, try PointInTimeJoin.keyColumns(entities, keys, what: "the entity frame")))
        }
        // The views are joined at once: one view's single-threaded steps (indexing the entity rows, ordering the
        // matches) overlap another's reading.
        let results = try await Parallel.runs(of: joins) { run in
            var results: [(columns: [DataColumn], read: [(path: String, rows: Int)])] = []
            for view in run { results.append(try await view.join.join(entityKeys: view.entityKeys, entityTimes: entityTimes, timeRange: timeRange)) }
            return results
        }.flatMap { $0 }
        for (view, (columns, read)) in zip(joins, results) {
            for (feature, column) in zip(view.features, columns) {
                joinedFields.append(Field(Self.internalName("\(view.join.view.name)__\(feature)"), column.type))
                joinedColumns.append(column)
            }
            lineage.sources += read
        }
        let joined = try DataFrame(schema: Schema(joinedFields), columns: joinedColumns)
        var fields = entities.schema.fields
        var columns = entities.columns
        for (view, feature) in wanted {
            let name = fullFeatureNames ? "\(view)__\(feature)" : feature
            guard !fields.contains(where: { $0.name == name }) else {
                throw KiteError.invalidArgument("feature name '\(name)' appears twice; use full feature names (view__feature)")
            }
            let column: DataColumn
            if let onDemand = definitions.onDemandViews.first(where: { $0.name == view }),
                let definition = onDemand.features.first(where: { $0.name == feature })
            {
                column = try definition.expression.evaluate(rows: joined.rowCount) { input in
                    if let (view, feature) = FeatureDefinitions.OnDemandView.Feature.batchFeature(input) {
                        return try joined.column(Self.internalName("\(view)__\(feature)"))
                    }
                    return try joined.column(input)
                }
            } else {
                column = try joined.column(Self.internalName("\(view)__\(feature)"))
            }
            fields.append(Field(name, column.type))
            columns.append(column)
        }
        return (try DataFrame(schema: Schema(fields), columns: columns), lineage)
    }

    /// Names of joined columns before the final naming, so they cannot clash with entity columns.
    static func internalName(_ name: String) -> String { "\u{1}" + name }

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
