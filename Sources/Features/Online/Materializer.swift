import KiteCore
import ObjectStorage
import Parquet
import Registry

/// Copies each online feature view's latest values in a time window from the offline store to the online store:
/// the view's source is read one row group at a time, newest first (row groups outside the window skipped by
/// their statistics), keys and times before values — a group none of whose rows is the latest for its key is
/// never decoded further — the latest row per entity kept (created time breaking ties), and the winners written
/// in batches. Memory grows with the number of entities, not the number of rows. Rerunning a window is safe: the
/// online store never replaces newer values.
public struct Materializer: Sendable {
    /// Rows per online-store write.
    static let batchSize = 2_000
    /// Writes sent before the first is answered.
    static let batchesInFlight = 4
    /// Row groups whose keys and times are decoded at once.
    static let groupsInFlight = 2

    public let definitions: FeatureDefinitions
    public let offlineStore: any ObjectStore
    public let onlineStore: any OnlineStore

    /// What one view's materialization did.
    public struct Result: Sendable, Hashable {
        public var view: String
        public var rowsRead: Int
        /// Rows of the row groups whose feature values were decoded (those holding a row kept at the time).
        public var valueRowsRead: Int
        public var entitiesWritten: Int
    }

    /// Progress of one view: rows read so far of the total the files hold.
    public struct Progress: Sendable {
        public var view: String
        public var rowsRead: Int
        public var totalRows: Int
    }

    public init(definitions: FeatureDefinitions, offlineStore: any ObjectStore, onlineStore: any OnlineStore) {
        self.definitions = definitions
        self.offlineStore = offlineStore
        self.onlineStore = onlineStore
    }

    /// The views to materialize: `names`, or every view marked `online` when empty. Unknown names are errors.
    public func views(_ names: [String]) throws -> [FeatureDefinitions.FeatureView] {
        if names.isEmpty { return definitions.featureViews.filter(\.online) }
        return try names.map { try definitions.view(named: $0) }
    }

    /// Where `materialize-incremental` starts `view`: just after its latest recorded window's end, or the first
    /// time `end` minus the view's ttl (the epoch when it has none). Nil when there is nothing left to do.
    public static func incrementalWindow(_ view: FeatureDefinitions.FeatureView, end: Int64, registry: RegistryStore) async throws -> ClosedRange<Int64>? {
        let start: Int64
        if let last = try await registry.materializations(view: view.name).first {
            start = last.end &+ 1
        } else {
            start = view.ttl.microseconds > 0 ? end &- view.ttl.microseconds : 0
        }
        return start <= end ? start...end : nil
    }

    /// Materializes `view` over `window` and records the window in `registry` once done.
    public func materialize(
        _ view: FeatureDefinitions.FeatureView, window: ClosedRange<Int64>, recordingIn registry: RegistryStore,
        progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Result {
        let result = try await materialize(view, start: window.lowerBound, end: window.upperBound, progress: progress)
        try await registry.recordMaterialization(view: view.name, start: window.lowerBound, end: window.upperBound, rows: result.entitiesWritten)
        return result
    }

    /// Materializes `view` over `start...end` (microseconds, both included).
    public func materialize(
        _ view: FeatureDefinitions.FeatureView, start: Int64, end: Int64, progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Result {
        guard start <= end else {
            throw KiteError.invalidArgument("the window's start (\(Timestamp.format(start))) is after its end (\(Timestamp.format(end)))")
        }
        let source = try definitions.source(of: view)
        let keys = definitions.joinKeys(of: view)
        guard !keys.isEmpty else { throw KiteError.invalidArgument("feature view '\(view.name)' has no entity join keys") }
        let reverse = Dictionary(source.fieldMapping.map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let features = view.schema.map(\.name)
        let physical = features.map { reverse[$0] ?? $0 }
        // Keys and times are read first; values only for the row groups holding a latest row.
        let ordering = keys + [source.timestampField] + (source.createdTimestampField.map { [$0] } ?? [])
        let columns = ordering + physical

        let builder = TrainingSetBuilder(definitions: definitions, offlineStore: offlineStore)
        var readers: [(key: String, reader: ParquetReader)] = []
        for key in try await builder.files(of: source) {
            readers.append((key, try await ParquetReader(source: try await ObjectStoreSource(store: offlineStore, key: key))))
        }
        guard !readers.isEmpty else { throw KiteError(.notFound, "source '\(source.name)' (\(source.path)) matches no Parquet files in \(offlineStore.url)") }
        let total = readers.reduce(0) { $0 + $1.reader.rowCount }
        // The row groups that may overlap the window, newest first by their statistics: once the newest rows are
        // kept, an older group's keys and times usually show that nothing in it wins, and its values go unread.
        var groups: [(reader: ParquetReader, group: Int, ordinal: Int, newest: Int64)] = []
        for (key, reader) in readers {
            try reader.requireColumns(columns, key: key, source: source.name)
            let time = try reader.column(named: source.timestampField)
            for group in 0..<reader.rowGroupCount where reader.rowGroup(group, timeColumn: time, mayOverlap: start...end) {
                groups.append((reader, group, groups.count, reader.latestTime(rowGroup: group, timeColumn: time) ?? .max))
            }
        }
        groups.sort { ($0.newest, $0.ordinal) > ($1.newest, $1.ordinal) }
        // The keys and times of the next groups are decoded while this one's are reduced (two cores busy).
        func keysAndTimes(_ index: Int) -> Task<DataFrame, any Error>? {
            guard index < groups.count else { return nil }
            let (reader, group) = (groups[index].reader, groups[index].group)
            return Task { try await reader.readRowGroup(group, columns: ordering) }
        }
        var reading = (0..<Self.groupsInFlight).map(keysAndTimes)
        defer { for task in reading { task?.cancel() } }
        var latest = LatestRows()
        var (rowsRead, valueRowsRead) = (0, 0)
        for (index, (reader, group, ordinal, _)) in groups.enumerated() {
            try Task.checkCancellation()
            guard let next = reading.removeFirst() else { break }
            reading.append(keysAndTimes(index + Self.groupsInFlight))
            let frame = try await next.value
            let winners = try latest.winners(
                in: frame, ordinal: ordinal, keys: keys, time: source.timestampField, created: source.createdTimestampField, window: start...end)
            if !winners.isEmpty {
                try latest.keep(winners, ordinal: ordinal, values: try await reader.readRowGroup(group, columns: physical), features: physical)
                valueRowsRead += frame.rowCount
            }
            rowsRead += frame.rowCount
            progress(Progress(view: view.name, rowsRead: rowsRead, totalRows: total))
        }
        let rows = try latest.onlineRows(keys: keys, features: features)
        let batches = stride(from: 0, to: rows.count, by: Self.batchSize).map { Array(rows[$0..<Swift.min($0 + Self.batchSize, rows.count)]) }
        // A few batches in flight: Redis pipelines them on separate connections; SQLite takes them one at a time.
        let written = try await withThrowingTaskGroup(of: Int.self) { group in
            var total = 0
            for (index, batch) in batches.enumerated() {
                if index >= Self.batchesInFlight, let done = try await group.next() { total += done }
                group.addTask { try await onlineStore.write(view: view.name, rows: batch, ttl: view.ttl) }
            }
            for try await done in group { total += done }
            return total
        }
        return Result(view: view.name, rowsRead: rowsRead, valueRowsRead: valueRowsRead, entitiesWritten: written)
    }
}
