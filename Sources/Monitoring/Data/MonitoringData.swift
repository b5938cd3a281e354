import Foundation
import KiteCore
import ObjectStorage
import Parquet
import Registry

/// Where a model version's monitoring data lives: the reference its training run recorded
/// (`reference/reference.parquet` among the run's artifacts: the holdout's inputs, label and predictions) and its
/// rows in the prediction log (`predictions/model=NAME/date=…/*.parquet` in the offline store).
public enum MonitoringData {
    /// The reference of `version`: its run's holdout, scored.
    public static func reference(of version: ModelVersion, registry: RegistryStore, artifacts: ArtifactStore) async throws -> DataFrame {
        guard let runID = version.runID else {
            throw KiteError(.notFound, "\(version.name) version \(version.version) has no run, so no reference: pass --reference FILE")
        }
        let run = try await registry.run(id: runID)
        guard let folder = ArtifactStore.path(ofURI: run.artifactURI) else {
            throw KiteError.unsupported("run \(runID) keeps its artifacts at '\(run.artifactURI)', outside the project's artifact store")
        }
        let key = folder + "/reference/reference.parquet"
        let source: ObjectStoreSource
        do { source = try await ObjectStoreSource(store: artifacts.objects, key: key) } catch let error as KiteError where error.code == .notFound {
            throw KiteError(
                .notFound, "\(version.name) version \(version.version) was trained before runs kept a reference: retrain it, or pass --reference FILE")
        }
        return try await ParquetReader(source: source).read()
    }

    /// The prediction log's rows of `model` logged in `window` (and of `version`, when given): `columns` plus
    /// `timestamp` and `model_version`, and the `optional` columns — null where a file lacks them (written before
    /// the log had them). Files of days outside the window are not opened, and files without every needed column
    /// (written for versions with other inputs) are passed over.
    public static func predictions(
        model: String, version: Int64?, window: ClosedRange<Int64>, columns: [String], optional: [(name: String, type: DataType)] = [],
        store: any ObjectStore
    ) async throws -> DataFrame {
        let needed = ["timestamp", "model_version"] + columns.filter { $0 != "timestamp" && $0 != "model_version" }
        let firstDay = Timestamp.formatDate(Int32(clamping: Timestamp.floorDivide(window.lowerBound, Timestamp.microsPerDay).quotient))
        let lastDay = Timestamp.formatDate(Int32(clamping: Timestamp.floorDivide(window.upperBound, Timestamp.microsPerDay).quotient))
        var frames: [DataFrame] = []
        for key in try await store.parquetKeys(under: "predictions/model=\(model)/") {
            if let day = Self.day(of: key), day < firstDay || day > lastDay { continue }
            let reader = try await ParquetReader(source: try await ObjectStoreSource(store: store, key: key))
            guard needed.allSatisfy({ (try? reader.column(named: $0)) != nil }) else { continue }
            let present = optional.filter { (try? reader.column(named: $0.name)) != nil }.map(\.name)
            var frame = try await reader.read(columns: needed + present)
            if present.count < optional.count {
                var named = zip(frame.schema.fields.map(\.name), frame.columns).map { ($0, $1) }
                for (name, type) in optional where !present.contains(name) {
                    named.append((name, try DataColumn(scalars: Array(repeating: .null, count: frame.rowCount), type: type)))
                }
                frame = try DataFrame(named)
            }
            guard let times = frame["timestamp"], let versions = frame["model_version"]?.values.int64s, let micros = times.values.int64s else {
                throw KiteError(.corruptData, "\(key): the prediction log's timestamp and model_version columns have unexpected types")
            }
            let keep = (0..<frame.rowCount).map { row in
                !times.isNull(row) && window.contains(micros[row]) && (version.map { versions[row] == $0 } ?? true)
            }
            let kept = try frame.filter(keep)
            if kept.rowCount > 0 { frames.append(kept) }
        }
        guard !frames.isEmpty else {
            return DataFrame(empty: try Schema(try Self.emptySchema(needed).fields + optional.map { Field($0.name, $0.type) }))
        }
        return try DataFrame.concatenate(frames)
    }

    /// The `YYYY-MM-DD` of a key's `date=` partition.
    static func day(of key: String) -> String? {
        guard let range = key.range(of: "/date=") else { return nil }
        return String(key[range.upperBound...].prefix(10))
    }

    private static func emptySchema(_ names: [String]) throws -> Schema {
        try Schema(names.map { Field($0, $0 == "timestamp" ? .timestamp : $0 == "model_version" ? .int64 : .float64) })
    }
}
