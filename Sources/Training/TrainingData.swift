import Features
import Foundation
import KiteCore
import Learning
import ObjectStorage
import Parquet
import Registry

/// The rows a run learns from: the training table (built through the feature store or read from a file), its
/// labels as numbers, the task, the feature columns and what it came from.
struct TrainingData: Sendable {
    var frame: DataFrame
    /// Class indices (classifiers) or values (regression), one per row of `frame`.
    var labels: [Double]
    var task: LearningTask
    /// Multiclass class names, in index order.
    var classes: [String]?
    var features: [String]
    /// Each row's time (microseconds) when the data has a time column.
    var times: [Double]?
    /// Rows dropped because their label was missing.
    var droppedRows: Int
    /// What the training set is, as the run's metadata records it.
    var metadata: TrainingSetMetadata

    /// Loads the data `configuration` names, relative paths against the project folder.
    static func load(
        _ configuration: TrainingConfiguration, project: ProjectConfiguration, registry: RegistryStore, s3: S3Configuration
    ) async throws -> TrainingData {
        var metadata = TrainingSetMetadata(label: configuration.label, timeColumn: configuration.timeColumn)
        let frame: DataFrame
        var candidates: [String]
        switch configuration.data {
        case .featureService(let service, let labelsPath, let extra):
            let (definitions, version) = try await project.appliedDefinitions(registry: registry)
            let builder = TrainingSetBuilder(definitions: definitions, offlineStore: try ObjectStores.openFolder(project.offlineStoreURL, s3: s3))
            let entities = try await readTable(resolve(labelsPath, in: project.folder), s3: s3)
            let built = try await builder.build(
                entities: entities, timestamp: configuration.timeColumn ?? "event_timestamp", features: try builder.references(service: service))
            frame = built.frame
            candidates = extra + frame.schema.fields.dropFirst(entities.schema.count).map(\.name)
            for name in extra where entities[name] == nil {
                throw KiteError.invalidArgument("\(configuration.file): data.extra_features names '\(name)', which \(labelsPath) does not have")
            }
            metadata.source = "feature_service"
            metadata.featureService = service
            metadata.path = labelsPath
            metadata.definitionsVersion = version.number
            metadata.featureReferences = built.lineage.features
        case .table(let path):
            frame = try await readTable(resolve(path, in: project.folder), s3: s3)
            candidates = frame.schema.fields.map(\.name).filter { $0 != configuration.label && $0 != configuration.timeColumn }
            metadata.source = "table"
            metadata.path = path
        }
        guard let labelColumn = frame[configuration.label] else {
            throw KiteError.invalidArgument("\(configuration.file): the data has no label column '\(configuration.label)'")
        }
        // Features: the listed ones, or every candidate a model can read; never the label or an excluded column.
        if let listed = configuration.features {
            for name in listed where frame[name] == nil {
                throw KiteError.invalidArgument("\(configuration.file): features names '\(name)', which the data does not have")
            }
            candidates = listed
        } else {
            candidates = candidates.filter { name in
                guard let type = frame[name]?.type else { return false }
                return type.isNumeric && type != .timestamp && type != .date || type == .bool || type == .string
            }
        }
        let features = candidates.filter { $0 != configuration.label && !configuration.exclude.contains($0) }
        guard !features.isEmpty else { throw KiteError.invalidArgument("\(configuration.file): no feature columns are left to learn from") }

        // Rows without a label cannot teach anything.
        let keep = (0..<frame.rowCount).map { !labelColumn.isNull($0) }
        let dropped = keep.filter { !$0 }.count
        let rows = dropped == 0 ? frame : try frame.filter(keep)
        guard rows.rowCount >= 2 else {
            throw KiteError.invalidArgument("\(configuration.file): \(rows.rowCount) rows have a label; training needs at least 2")
        }
        let (labels, task, classes) = try encode(try rows.column(configuration.label), task: configuration.task, file: configuration.file)
        var times: [Double]?
        if let name = configuration.timeColumn {
            guard let column = rows[name] else { throw KiteError.invalidArgument("\(configuration.file): the data has no time column '\(name)'") }
            times = column.doubles()
        }
        metadata.rows = rows.rowCount
        metadata.features = features
        metadata.task = task.rawValue
        metadata.classes = classes
        return TrainingData(
            frame: rows, labels: labels, task: task, classes: classes, features: features, times: times, droppedRows: dropped, metadata: metadata)
    }

    /// The label as numbers and the task: 0/1 (or booleans) are binary, strings multiclass (classes sorted), other
    /// numbers regression, unless the config says which.
    static func encode(_ column: DataColumn, task: LearningTask?, file: String) throws -> ([Double], LearningTask, [String]?) {
        let isText = column.type == .string
        let values = isText ? [] : column.doubles()
        let inferred: LearningTask = isText ? .multiclass : (values.allSatisfy { $0 == 0 || $0 == 1 } ? .binary : .regression)
        switch task ?? inferred {
        case .binary:
            guard !isText, values.allSatisfy({ $0 == 0 || $0 == 1 }) else {
                throw KiteError.invalidArgument("\(file): a binary label must be 0/1 or true/false; use task: multiclass for other classes")
            }
            return (values, .binary, nil)
        case .regression:
            guard column.type.isNumeric || column.type == .bool, values.allSatisfy(\.isFinite) else {
                throw KiteError.invalidArgument("\(file): a regression label must be a finite number on every row")
            }
            return (values, .regression, nil)
        case .multiclass:
            if !isText, let bad = values.first(where: { !$0.isFinite || $0 != $0.rounded() || abs($0) > 1e15 }) {
                throw KiteError.invalidArgument("\(file): multiclass labels must be whole numbers or strings, not \(bad)")
            }
            let names = (0..<column.count).map { isText ? column.string(at: $0) : Self.text(values[$0]) }
            let classes = isText ? Array(Set(names)).sorted() : Array(Set(values)).sorted().map(Self.text)
            guard classes.count >= 2, classes.count <= 1000 else {
                throw KiteError.invalidArgument("\(file): a multiclass label needs 2 to 1000 classes, not \(classes.count)")
            }
            let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Double($0)) })
            return (names.map { index[$0] ?? 0 }, .multiclass, classes)
        }
    }

    private static func text(_ value: Double) -> String { String(Int64(value)) }

    /// `path` if absolute or a URL, else relative to `folder`.
    static func resolve(_ path: String, in folder: String) -> String {
        path.hasPrefix("/") || path.contains("://") ? path : folder + "/" + path
    }

    /// A whole Parquet or CSV file, local or on S3.
    static func readTable(_ path: String, s3: S3Configuration) async throws -> DataFrame {
        let source = try await ObjectStores.source(path, s3: s3)
        if path.hasSuffix(".csv") {
            return try CSVReader.read(try await source.read(0..<(try await source.size())))
        }
        return try await ParquetReader(source: source).read()
    }
}
