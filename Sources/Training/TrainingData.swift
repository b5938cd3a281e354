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
    /// Each row's sample weight (`data.weight`), if the config names a weight column.
    var weights: [Double]?
    var task: LearningTask
    /// Multiclass class names, in index order.
    var classes: [String]?
    var features: [String]
    /// Each row's time (microseconds) when the data has a time column.
    var times: [Double]?
    /// Rows dropped because their label was missing.
    var droppedRows: Int
    /// The rows of `frame` that came from `data.test`, when the config gives a test file.
    var testRows: [Int]?
    /// What the training set is, as the run's metadata records it.
    var metadata: TrainingSetMetadata

    /// Loads the data `configuration` names, relative paths against the project folder.
    static func load(
        _ configuration: TrainingConfiguration, project: ProjectConfiguration, registry: RegistryStore, s3: S3Client
    ) async throws -> TrainingData {
        var metadata = TrainingSetMetadata(label: configuration.label, timeColumn: configuration.timeColumn)
        let source = try await readSource(configuration, project: project, registry: registry, s3: s3, metadata: &metadata)
        let frame = source.frame
        guard let labelColumn = frame[configuration.label] else {
            throw KiteError.invalidArgument("\(configuration.file): the data has no label column '\(configuration.label)'")
        }
        let features = try featureColumns(configuration, frame: frame, candidates: source.candidates)

        // Rows without a label cannot teach anything.
        let keep = (0..<frame.rowCount).map { !labelColumn.isNull($0) }
        let dropped = keep.filter { !$0 }.count
        let rows = dropped == 0 ? frame : try frame.filter(keep)
        let testRows = source.testStart.map { start in
            var kept = 0
            var test: [Int] = []
            for (index, isKept) in keep.enumerated() where isKept {
                if index >= start { test.append(kept) }
                kept += 1
            }
            return test
        }
        if let testRows, testRows.isEmpty || testRows.count == rows.rowCount {
            throw KiteError.invalidArgument(
                "\(configuration.file): data.test must leave labelled rows on both sides: \(testRows.count) test rows of \(rows.rowCount)")
        }
        guard rows.rowCount >= 2 else {
            throw KiteError.invalidArgument("\(configuration.file): \(rows.rowCount) rows have a label; training needs at least 2")
        }
        let (labels, task, classes) = try encode(try rows.column(configuration.label), task: configuration.task, file: configuration.file)
        var weights: [Double]?
        if let name = configuration.weightColumn {
            guard let column = rows[name], column.type.isNumeric || column.type == .bool else {
                throw KiteError.invalidArgument("\(configuration.file): data.weight names '\(name)', which is not a numeric column of the data")
            }
            if column.nullCount > 0 {
                throw KiteError.invalidArgument("\(configuration.file): \(column.nullCount) labelled rows have no weight in '\(name)'; give every row one")
            }
            weights = column.doubles()
            do { try SampleWeights.check(weights, rows: rows.rowCount) } catch let error as KiteError {
                throw KiteError.invalidArgument("\(configuration.file): data.weight '\(name)': \(error.message)")
            }
        }
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
            frame: rows, labels: labels, weights: weights, task: task, classes: classes, features: features, times: times, droppedRows: dropped,
            testRows: testRows, metadata: metadata)
    }

    /// The table before labels are checked: the frame, where `data.test`'s rows start in it (they follow the
    /// training rows), and the columns that may be features.
    private struct Source {
        var frame: DataFrame
        var testStart: Int?
        var candidates: [String]
    }

    /// Reads the training table: joined through the feature store, or a file as it is; fills in where it came from.
    private static func readSource(
        _ configuration: TrainingConfiguration, project: ProjectConfiguration, registry: RegistryStore, s3: S3Client,
        metadata: inout TrainingSetMetadata
    ) async throws -> Source {
        let frame: DataFrame
        var testStart: Int?
        var candidates: [String]
        switch configuration.data {
        case .featureService(let service, let labelsPath, let extra):
            let (definitions, version) = try await project.appliedDefinitions(registry: registry)
            let builder = TrainingSetBuilder(definitions: definitions, offlineStore: try ObjectStores.openFolder(project.offlineStoreURL, s3: s3))
            var entities = try await readTable(labelsPath, key: "data.labels", configuration, project: project, s3: s3)
            if let testPath = configuration.testPath {
                let test = try await readTable(testPath, key: "data.test", configuration, project: project, s3: s3)
                testStart = entities.rowCount
                entities = try concatenated(entities, test, configuration)
            }
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
            var table = try await readTable(path, key: "data.train", configuration, project: project, s3: s3)
            if let testPath = configuration.testPath {
                let test = try await readTable(testPath, key: "data.test", configuration, project: project, s3: s3)
                testStart = table.rowCount
                table = try concatenated(table, test, configuration)
            }
            frame = table
            candidates = frame.schema.fields.map(\.name).filter { $0 != configuration.label && $0 != configuration.timeColumn }
            metadata.source = "table"
            metadata.path = path
        }
        return Source(frame: frame, testStart: testStart, candidates: candidates)
    }

    /// The listed features, or every candidate a model can read; never the label or an excluded column.
    private static func featureColumns(_ configuration: TrainingConfiguration, frame: DataFrame, candidates: [String]) throws -> [String] {
        var candidates = candidates
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
        let features = candidates.filter { $0 != configuration.label && $0 != configuration.weightColumn && !configuration.exclude.contains($0) }
        guard !features.isEmpty else { throw KiteError.invalidArgument("\(configuration.file): no feature columns are left to learn from") }
        return features
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

    /// The training rows followed by the test file's, which must have the same columns.
    static func concatenated(_ train: DataFrame, _ test: DataFrame, _ configuration: TrainingConfiguration) throws -> DataFrame {
        guard train.schema.fields.map(\.name) == test.schema.fields.map(\.name) else {
            throw KiteError.invalidArgument(
                "\(configuration.file): data.test has columns \(test.schema.fields.map(\.name)), the training data \(train.schema.fields.map(\.name)); they must match"
            )
        }
        do {
            return try DataFrame.concatenate([train, test])
        } catch let error as KiteError {
            throw KiteError(error.code, "\(configuration.file): data.test does not fit the training data: \(error.message)")
        }
    }

    /// The table a key of the config names (relative to the project folder); a missing file names the config and
    /// the key.
    static func readTable(
        _ path: String, key: String, _ configuration: TrainingConfiguration, project: ProjectConfiguration, s3: S3Client
    ) async throws -> DataFrame {
        do {
            return try await TableReader.read(resolve(path, in: project.folder), s3: s3)
        } catch let error as KiteError where error.code == .notFound {
            throw KiteError(.notFound, "\(configuration.file): \(key) names '\(path)', which cannot be read: \(error.message)")
        }
    }
}
