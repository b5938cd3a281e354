import KiteCore
import ObjectStorage
import Parquet

/// One feature view's offline source joined point in time onto entity rows without holding the source in memory.
/// Its row groups are read twice, a run of them per core at once: first only the key and time columns, offered to
/// the entity rows' `EntityTimeline` to find each entity row's match; then, only in the row groups that hold a
/// match, the feature columns, of which just the matched rows are kept. Row groups whose times cannot matter for
/// the entity rows (by their statistics) are skipped.
struct OfflineViewJoin: Sendable {
    let view: FeatureDefinitions.FeatureView
    let source: FeatureDefinitions.BatchSource
    let joinKeys: [String]
    /// The feature columns as stored (the source's field mapping applied), in output order.
    let features: [String]
    /// The source's files.
    let files: [String]
    let store: any ObjectStore

    /// A row group that can hold matches, and the place of its first row in the source (files in order).
    private struct Group: Sendable {
        let reader: ParquetReader
        let index: Int
        let firstRow: Int
        let rowCount: Int
    }

    /// The feature columns, one value per entity row (null where nothing matches), and the rows read from each file.
    func join(entityKeys: [DataColumn], entityTimes: [Int64], timeRange: ClosedRange<Int64>) async throws -> (
        columns: [DataColumn], read: [(path: String, rows: Int)]
    ) {
        let what = "feature view '\(view.name)'"
        let timeColumns = [source.timestampField] + (source.createdTimestampField.map { [$0] } ?? [])
        let (groups, read, shape) = try await self.groups(columns: joinKeys + timeColumns + features, timeRange: timeRange)
        let timeline = EntityTimeline(keys: entityKeys, times: entityTimes)
        let (joinKeys, source) = (self.joinKeys, self.source)
        // Pass 1: keys and times.
        let offers = try await Parallel.runs(of: groups) { run in
            var offers = timeline.makeOffers()
            for group in run {
                let frame = try await group.reader.readRowGroup(group.index, columns: joinKeys + timeColumns)
                let keys = try PointInTimeJoin.keyColumns(frame, joinKeys, what: what)
                try PointInTimeJoin.checkKeyTypes(joinKeys, view: keys.map(\.type), entities: timeline.keyTypes, what: what)
                let times = try PointInTimeJoin.timestamps(frame, source.timestampField, what: what)
                let created = try source.createdTimestampField.map { try PointInTimeJoin.timestamps(frame, $0, what: what) }
                guard times.count == group.rowCount else { throw KiteError(.corruptData, "\(what): a row group's columns have different lengths") }
                timeline.offer(keys: keys, times: times, created: created, firstRow: group.firstRow, to: &offers)
            }
            return offers
        }.reduce(into: timeline.makeOffers()) { $0.merge($1) }
        let match = timeline.matches(offers, ttl: view.ttl.microseconds)
        // Pass 2: the matched rows' features, row group by row group.
        let matchedRows = MatchedRows(match, viewRows: groups.map { $0.firstRow + $0.rowCount }.max() ?? 0)
        let matched = matchedRows.rows
        var wanted: [(group: Group, rows: [Int])] = []
        var next = 0
        for group in groups {
            let end = group.firstRow + group.rowCount
            var rows: [Int] = []
            while next < matched.count && matched[next] < end {
                rows.append(matched[next] - group.firstRow)
                next += 1
            }
            if !rows.isEmpty { wanted.append((group, rows)) }
        }
        let features = self.features
        // Two runs per core: a row group's columns decode in parallel but unevenly (a dictionary-encoded count
        // beside a plain double), and a second run's columns fill the core the first leaves idle.
        let frames = try await Parallel.runs(of: wanted, perCore: 2) { run in
            var frames: [DataFrame] = []
            for (group, rows) in run { frames.append(try await group.reader.readRowGroup(group.index, columns: features).take(rows)) }
            return frames
        }.flatMap { $0 }
        let values = frames.isEmpty ? DataFrame(empty: shape) : try DataFrame.concatenate(frames)
        let positions = match.map { row in row < 0 ? -1 : matchedRows.position(of: row) }
        return (try values.columns.map { try $0.take(nullableIndices: positions) }, read)
    }

    /// The row groups that may hold rows for `timeRange` (earlier by the view's ttl), the rows read per file, and
    /// the schema of the feature columns; every file must have all of `columns`.
    private func groups(columns: [String], timeRange: ClosedRange<Int64>) async throws -> ([Group], [(path: String, rows: Int)], Schema) {
        let ttl = view.ttl.microseconds
        let earliest = ttl > 0 ? timeRange.lowerBound &- ttl : Int64.min
        var groups: [Group] = []
        var read: [(path: String, rows: Int)] = []
        var shape: Schema?
        var firstRow = 0
        for key in files {
            let reader = try await ParquetReader(source: try await ObjectStoreSource(store: store, key: key))
            try reader.requireColumns(columns, key: key, source: source.name)
            shape = try Schema(features.compactMap { name in reader.schema.index(of: name).map { reader.schema.fields[$0] } })
            let time = try reader.column(named: source.timestampField)
            var rows = 0
            for group in 0..<reader.rowGroupCount {
                let count = reader.metadata.rowGroups[group].rowCount
                // Groups skipped hold no row that can be the latest value at or before any entity time.
                if reader.rowGroup(group, timeColumn: time, mayOverlap: earliest...timeRange.upperBound) {
                    groups.append(Group(reader: reader, index: group, firstRow: firstRow, rowCount: count))
                    rows += count
                }
                firstRow += count
            }
            read.append((key, rows))
        }
        guard let shape else {
            throw KiteError(.notFound, "source '\(source.name)' (\(source.path)) matches no Parquet files in \(store.url)")
        }
        return (groups, read, shape)
    }
}
