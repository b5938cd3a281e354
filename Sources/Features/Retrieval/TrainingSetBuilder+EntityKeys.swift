import KiteCore
import ObjectStorage
import Parquet

extension TrainingSetBuilder {
    /// Every entity key of `viewName` present in its source as of `time`: the keys with a row at or before `time`
    /// and, when the view has a ttl, within it (the keys that have values then). One column per join key, typed
    /// as the source's; single integer keys ascending, others in the order first seen. Only the key and time
    /// columns are read, a row group at a time (those outside the window skipped by their statistics).
    public func entityKeys(of viewName: String, asOf time: Int64) async throws -> DataFrame {
        let view = try definitions.view(named: viewName)
        let source = try definitions.source(of: view)
        let keys = definitions.joinKeys(of: view)
        guard !keys.isEmpty else { throw KiteError.invalidArgument("feature view '\(view.name)' has no entity join keys") }
        let window = (view.ttl.microseconds > 0 ? time &- view.ttl.microseconds &+ 1 : Int64.min)...time
        let files = try await files(of: source)
        guard !files.isEmpty else { throw KiteError(.notFound, "source '\(source.name)' (\(source.path)) matches no Parquet files in \(offlineStore.url)") }
        var integers = Set<Int64>()
        var compound = Set<[Scalar]>()
        var order: [[Scalar]] = []
        var types: [DataType]?
        for file in files {
            let reader = try await ParquetReader(source: try await ObjectStoreSource(store: offlineStore, key: file))
            try reader.requireColumns(keys + [source.timestampField], key: file, source: source.name)
            let timeColumn = try reader.column(named: source.timestampField)
            for group in 0..<reader.rowGroupCount where reader.rowGroup(group, timeColumn: timeColumn, mayOverlap: window) {
                try Task.checkCancellation()
                let frame = try await reader.readRowGroup(group, columns: keys + [source.timestampField])
                let times = try PointInTimeJoin.timestamps(frame, source.timestampField, what: file)
                let columns = try keys.map { try frame.column($0) }
                if let known = types, known != columns.map(\.type) {
                    throw KiteError.invalidArgument("\(file): the join keys' types (\(columns.map(\.type))) differ from the source's other files' (\(known))")
                }
                types = columns.map(\.type)
                let single = columns.count == 1 && columns[0].type != .timestamp ? (columns[0].values.int64s ?? columns[0].values.int32s?.map(Int64.init)) : nil
                for row in 0..<frame.rowCount where window.contains(times[row]) && !columns.contains(where: { $0.isNull(row) }) {
                    if let single {
                        integers.insert(single[row])
                    } else {
                        let key = columns.map { $0.scalar(at: row) }
                        if compound.insert(key).inserted { order.append(key) }
                    }
                }
            }
        }
        let keyTypes =
            try types
            ?? keys.map { name in
                guard let entity = definitions.entities.first(where: { view.entities.contains($0.name) && $0.joinKeys.contains(name) }) else {
                    throw KiteError.invalidArgument("join key '\(name)' of '\(view.name)' has no entity")
                }
                return entity.valueType
            }
        if keys.count == 1, keyTypes[0] == .int64 || keyTypes[0] == .int32, order.isEmpty {
            let sorted = integers.sorted()
            return try DataFrame([(keys[0], keyTypes[0] == .int64 ? .int64s(sorted) : .int32s(sorted.map { Int32(truncatingIfNeeded: $0) }))])
        }
        return try DataFrame(
            try keys.indices.map { index in (keys[index], try DataColumn(scalars: order.map { $0[index] }, type: keyTypes[index])) })
    }
}
