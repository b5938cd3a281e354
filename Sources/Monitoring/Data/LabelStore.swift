import Foundation
import KiteCore
import ObjectStorage
import Parquet

/// Labels that arrive after the predictions they label, kept in the offline store under `labels/model=NAME/`.
/// A label names its prediction either by request id (the `id` a client sends with a prediction request, or the
/// one the answer gives) — with entity keys for requests of several rows — or by entity keys and time: it labels
/// that entity's latest prediction at or before its `timestamp` (the time of the event it is about, as Feast joins
/// labels to features).
public enum LabelStore {
    /// One label: the entity keys it names (as text), the value (as text, read by the model's task), and the
    /// event time when it joins by entity and time.
    struct Label: Sendable {
        var keys: [(name: String, value: String)]
        var value: String
        var time: Int64?
    }

    /// Every label of a model, by how it joins.
    struct Labels: Sendable {
        var byRequest: [String: [Label]] = [:]
        /// Labels without a request id, by the sorted names of their entity keys.
        var byEntity: [[String]: [Label]] = [:]
    }

    /// Appends a file of labels for `model`: `label`, and `request_id` or `timestamp` (or both), and entity key
    /// columns; returns the key written and the rows. A row with neither a request id nor a time, or without a
    /// label, is an error naming it.
    public static func append(_ frame: DataFrame, model: String, store: any ObjectStore, now: Int64) async throws -> (key: String, rows: Int) {
        let requests = frame["request_id"]
        let times = frame["timestamp"]
        guard requests != nil || times != nil else {
            throw KiteError.invalidArgument(
                "the labels need a 'request_id' column (the id each prediction request was sent or answered with) or a 'timestamp' column with entity keys")
        }
        if let times, times.type != .timestamp { throw KiteError.invalidArgument("the labels' 'timestamp' column must hold timestamps") }
        guard let labels = frame["label"] else { throw KiteError.invalidArgument("the labels have no 'label' column") }
        let keyColumns = zip(frame.schema.fields, frame.columns).filter { !["request_id", "label", "timestamp", "received"].contains($0.0.name) }
        for row in 0..<frame.rowCount {
            if labels.isNull(row) { throw KiteError.invalidArgument("label row \(row + 1) has no label") }
            let hasRequest = requests.map { !$0.isNull(row) } ?? false
            if !hasRequest, times.map({ $0.isNull(row) }) ?? true {
                throw KiteError.invalidArgument("label row \(row + 1) has neither a request_id nor a timestamp")
            }
            if !hasRequest, keyColumns.isEmpty { throw KiteError.invalidArgument("labels joined by time need entity key columns (e.g. customer_id)") }
        }
        var columns: [(String, DataColumn)] = [
            ("request_id", requests.map(text) ?? .strings(Array(repeating: nil, count: frame.rowCount))), ("label", text(labels)),
            ("event_time", times ?? .timestamps(Array(repeating: nil, count: frame.rowCount))),
            ("received", .timestamps(Array(repeating: now, count: frame.rowCount))),
        ]
        for (field, column) in keyColumns { columns.append(("key_" + field.name, text(column))) }
        let normalized = try DataFrame(columns)
        let key = "labels/model=\(model)/part-\(now)-\(UUID().uuidString.prefix(8).lowercased()).parquet"
        let writer = try await ParquetWriter(sink: try await store.makeSink(for: key), schema: normalized.schema)
        try await writer.write(normalized)
        try await writer.close()
        return (key, frame.rowCount)
    }

    private static func text(_ column: DataColumn) -> DataColumn {
        .strings((0..<column.count).map { ValueText.text(column.scalar(at: $0)) })
    }

    /// Every label of `model`; a later label of the same prediction (or entity and time) replaces an earlier one.
    static func labels(model: String, store: any ObjectStore) async throws -> Labels {
        var labels = Labels()
        for key in try await store.parquetKeys(under: "labels/model=\(model)/") {
            let frame = try await ParquetReader(source: try await ObjectStoreSource(store: store, key: key)).read()
            guard let requests = frame["request_id"], let values = frame["label"] else {
                throw KiteError(.corruptData, "\(key) is not a labels file (no request_id and label columns)")
            }
            let times = frame["event_time"]?.values.int64s.map { values in (values, frame["event_time"]) }
            let keyColumns = zip(frame.schema.fields, frame.columns).filter { $0.0.name.hasPrefix("key_") }
            for row in 0..<frame.rowCount where !values.isNull(row) {
                let keys = keyColumns.compactMap { field, column in
                    column.isNull(row) ? nil : (name: String(field.name.dropFirst(4)), value: column.string(at: row))
                }.sorted { $0.name < $1.name }
                let time = times.flatMap { values, column in column?.isNull(row) == false ? values[row] : nil }
                let label = Label(keys: keys, value: values.string(at: row), time: time)
                let same = { (other: Label) in other.keys.map(\.value) == keys.map(\.value) && other.keys.map(\.name) == keys.map(\.name) }
                if !requests.isNull(row) {
                    labels.byRequest[requests.string(at: row), default: []].removeAll { same($0) }
                    labels.byRequest[requests.string(at: row), default: []].append(label)
                } else if let time {
                    let names = keys.map(\.name)
                    labels.byEntity[names, default: []].removeAll { same($0) && $0.time == time }
                    labels.byEntity[names, default: []].append(label)
                }
            }
        }
        return labels
    }

    /// The label of a logged row by request: the request's label whose keys all equal the row's entity keys.
    static func label(of entities: [String: String]?, among labels: [Label]) -> Label? {
        if labels.count == 1, labels[0].keys.isEmpty { return labels[0] }
        guard let entities else { return nil }
        return labels.first { label in label.keys.allSatisfy { entities[$0.name] == $0.value } }
    }

    /// The log's `entities` JSON as text values (numbers as Kite writes them).
    static func entities(_ json: String) -> [String: String]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return nil }
        return object.mapValues { value in
            if let number = value as? NSNumber {
                let double = number.doubleValue
                if double == double.rounded(), abs(double) < 1e15 { return String(Int64(double)) }
                return String(double)
            }
            return "\(value)"
        }
    }

    /// For labels joined by entity and time: the row each labels — per entity, the latest logged row at or before
    /// the label's time. `times` and `entities` are the log's rows.
    static func assign(_ labels: Labels, times: [Int64], entities: [[String: String]?]) -> [Int: Label] {
        var assigned: [Int: Label] = [:]
        for (names, group) in labels.byEntity {
            // The log's rows of each entity (by these key names), oldest first.
            var rowsByEntity: [[String]: [Int]] = [:]
            for row in times.indices {
                guard let values = entities[row], names.allSatisfy({ values[$0] != nil }) else { continue }
                rowsByEntity[names.map { values[$0] ?? "" }, default: []].append(row)
            }
            for key in rowsByEntity.keys { rowsByEntity[key]?.sort { times[$0] < times[$1] } }
            for label in group {
                guard let time = label.time, let rows = rowsByEntity[label.keys.map(\.value)] else { continue }
                var low = 0
                var high = rows.count
                while low < high {
                    let middle = (low + high) / 2
                    if times[rows[middle]] <= time { low = middle + 1 } else { high = middle }
                }
                if low > 0, assigned[rows[low - 1]] == nil { assigned[rows[low - 1]] = label }
            }
        }
        return assigned
    }
}
