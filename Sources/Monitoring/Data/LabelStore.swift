import Foundation
import KiteCore
import ObjectStorage
import Parquet

/// Labels that arrive after the predictions they label, kept in the offline store under `labels/model=NAME/`:
/// each row names its prediction by request id (the `id` a client sends with a prediction request, or the one
/// the answer gives) and, for requests of several rows, by the row's entity keys; and it gives the true value.
public enum LabelStore {
    /// One label: the entity keys it names (as text) and the value (as text, read by the model's task).
    struct Label: Sendable {
        var keys: [(name: String, value: String)]
        var value: String
    }

    /// Appends a file of labels (`request_id`, `label`, optionally entity key columns) for `model`; returns the
    /// key written and the rows. Rows without a request id or label are an error, naming the first.
    public static func append(_ frame: DataFrame, model: String, store: any ObjectStore, now: Int64) async throws -> (key: String, rows: Int) {
        guard let requests = frame["request_id"] else {
            throw KiteError.invalidArgument("the labels have no 'request_id' column (the id each prediction request was sent or answered with)")
        }
        guard let labels = frame["label"] else { throw KiteError.invalidArgument("the labels have no 'label' column") }
        for row in 0..<frame.rowCount where requests.isNull(row) || labels.isNull(row) {
            throw KiteError.invalidArgument("label row \(row + 1) has no \(requests.isNull(row) ? "request_id" : "label")")
        }
        var columns: [(String, DataColumn)] = [
            ("request_id", text(requests)), ("label", text(labels)), ("received", .timestamps(Array(repeating: now, count: frame.rowCount))),
        ]
        for (field, column) in zip(frame.schema.fields, frame.columns) where !["request_id", "label", "received"].contains(field.name) {
            columns.append(("key_" + field.name, text(column)))
        }
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

    /// Every label of `model`, by request id; a later label of the same row replaces an earlier one.
    static func labels(model: String, store: any ObjectStore) async throws -> [String: [Label]] {
        var byRequest: [String: [Label]] = [:]
        for key in try await store.parquetKeys(under: "labels/model=\(model)/") {
            let frame = try await ParquetReader(source: try await ObjectStoreSource(store: store, key: key)).read()
            guard let requests = frame["request_id"], let values = frame["label"] else {
                throw KiteError(.corruptData, "\(key) is not a labels file (no request_id and label columns)")
            }
            let keyColumns = zip(frame.schema.fields, frame.columns).filter { $0.0.name.hasPrefix("key_") }
            for row in 0..<frame.rowCount where !requests.isNull(row) && !values.isNull(row) {
                let keys = keyColumns.compactMap { field, column in
                    column.isNull(row) ? nil : (name: String(field.name.dropFirst(4)), value: column.string(at: row))
                }
                let label = Label(keys: keys, value: values.string(at: row))
                var list = byRequest[requests.string(at: row), default: []]
                list.removeAll { existing in existing.keys.map(\.value) == keys.map(\.value) && existing.keys.map(\.name) == keys.map(\.name) }
                list.append(label)
                byRequest[requests.string(at: row)] = list
            }
        }
        return byRequest
    }

    /// The label of a logged row: the request's label whose keys all equal the row's entity keys (the log's
    /// `entities` JSON).
    static func label(of entities: String, among labels: [Label]) -> Label? {
        if labels.count == 1, labels[0].keys.isEmpty { return labels[0] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(entities.utf8)) as? [String: Any] else { return nil }
        return labels.first { label in
            label.keys.allSatisfy { key in object[key.name].map { text(ofJSON: $0) == key.value } ?? false }
        }
    }

    private static func text(ofJSON value: Any) -> String {
        if let number = value as? NSNumber {
            let double = number.doubleValue
            if double == double.rounded(), abs(double) < 1e15 { return String(Int64(double)) }
            return String(double)
        }
        return "\(value)"
    }
}
