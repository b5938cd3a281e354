import Features
import Foundation
import KiteCore
import Learning
import ObjectStorage
import Registry

/// One `kite train`: loads the data a training config names (through the feature store or from a table), holds
/// out a test set (by time or at random), fits the preprocessing and the learner on the training rows, measures
/// the model on the test rows (and by k-fold cross-validation if asked), checks the gates (against fixed numbers
/// or the model aliased `champion`), records everything as a run, and registers a new model version when the
/// gates pass. A run that fails a gate, or fails at all, is recorded as `FAILED` and registers nothing.
public struct TrainingJob: Sendable {
    /// What the job is doing, for a progress display.
    public enum Progress: Sendable {
        case stage(String)
        /// A boosting round finished; `loss` is the monitored set's value of `metric` (e.g. `test_binary_logloss`).
        case round(Int, of: Int, metric: String, loss: Double?)
    }

    public let configuration: TrainingConfiguration
    public let project: ProjectConfiguration
    /// Reaches tables and the offline store on S3.
    public let s3: S3Client
    /// Shown as `mlflow.source.name` on the run.
    public var sourceName: String
    public var onProgress: (@Sendable (Progress) -> Void)?

    /// A job for `configuration` in `project`.
    public init(
        configuration: TrainingConfiguration, project: ProjectConfiguration, s3: S3Client,
        sourceName: String = "kite train", onProgress: (@Sendable (Progress) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.project = project
        self.s3 = s3
        self.sourceName = sourceName
        self.onProgress = onProgress
    }

    /// Trains, validates, records and (when the gates pass) registers; see the type's description.
    public func run(registry: RegistryStore, artifacts: ArtifactStore) async throws -> TrainingResult {
        let started = Date()
        if configuration.gates.contains(where: \.needsChampion), configuration.modelName == nil {
            throw KiteError.invalidArgument("\(configuration.file): a gate against the champion needs a model name ('model: NAME')")
        }
        onProgress?(.stage("loading data"))
        var data = try await TrainingData.load(configuration, project: project, registry: registry, s3: s3)
        // The learner's settings must fit the data before a run is recorded.
        if case .gbdt(let configured) = configuration.learner { _ = try Self.parameters(configured, for: data, file: configuration.file) }
        let (trainRows, testRows, splitText) = try holdout(data)
        data.metadata.trainRows = trainRows.count
        data.metadata.testRows = testRows.count
        data.metadata.split = splitText
        data.metadata.digest = Self.digest(data.frame)
        let train = try data.frame.take(trainRows)
        let test = try data.frame.take(testRows)
        let trainLabels = trainRows.map { data.labels[$0] }
        let testLabels = testRows.map { data.labels[$0] }
        let trainWeights = data.weights.map { weights in trainRows.map { weights[$0] } }
        let testWeights = data.weights.map { weights in testRows.map { weights[$0] } }

        let experimentID = try await experiment(registry)
        let run = try await registry.createRun(experimentID: experimentID, name: configuration.runName ?? configuration.learner.name, tags: tags(data))
        do {
            try await registry.log(runID: run.id, params: try params(data))
            onProgress?(.stage("training"))
            let fitted = try await fit(
                train, trainLabels, weights: trainWeights, data: data, times: data.times.map { times in trainRows.map { times[$0] } },
                monitor: (test, testLabels, testWeights), reportRounds: true)
            var model = fitted.model
            var metrics = try evaluate(model, test, testLabels, weights: testWeights, task: data.task)
            model.metrics = metrics
            if configuration.crossValidationFolds > 0 {
                onProgress?(.stage("cross-validating (\(configuration.crossValidationFolds) folds)"))
                metrics.merge(try await crossValidate(train, trainLabels, weights: trainWeights, data: data)) { a, _ in a }
            }
            let champion = try await self.champion(registry, artifacts: artifacts, test: test, labels: testLabels, weights: testWeights, data: data)
            let outcomes = try configuration.gates.map { try $0.check(metrics, champion: champion?.metrics) }
            let passed = outcomes.allSatisfy(\.passed)
            model.training["run_id"] = run.id
            onProgress?(.stage("recording the run"))
            try await record(
                run: run, model: model, fitted: fitted, metrics: metrics, data: data, test: test, registry: registry, artifacts: artifacts,
                outcomes: outcomes)
            var version: Int64?
            if passed, let name = configuration.modelName {
                try await registry.createRegisteredModelIfMissing(name: name)
                version = try await registry.createModelVersion(
                    name: name, source: run.artifactURI + "/model", runID: run.id,
                    description: "\(configuration.learner.name) trained by \(sourceName) (\(data.task.rawValue), \(train.rowCount) rows)"
                ).version
                if let alias = configuration.modelAlias, let version { try await registry.setAlias(name: name, alias: alias, version: String(version)) }
            }
            try await registry.finishRun(id: run.id, status: passed ? .finished : .failed)
            return TrainingResult(
                runID: run.id, experimentID: experimentID, status: passed ? .finished : .failed, model: configuration.modelName,
                version: version, alias: version == nil ? nil : configuration.modelAlias, champion: champion,
                task: data.task, learner: configuration.learner.name, metrics: metrics,
                gates: outcomes.map { .init(gate: $0.gate, value: $0.value, threshold: $0.threshold, passed: $0.passed) },
                trainRows: train.rowCount, testRows: test.rowCount, droppedRows: data.droppedRows, features: data.features.count,
                rounds: fitted.rounds, importance: Array(fitted.importance.prefix(10)), seconds: Date().timeIntervalSince(started))
        } catch {
            try? await registry.finishRun(id: run.id, status: .failed)
            throw error
        }
    }

    // MARK: Splitting and fitting

    /// The holdout: the latest rows by time, or random rows.
    private func holdout(_ data: TrainingData) throws -> (train: [Int], test: [Int], description: String) {
        let split = configuration.split
        if let test = data.testRows, let path = configuration.testPath {
            let isTest = Set(test)
            return ((0..<data.frame.rowCount).filter { !isTest.contains($0) }, test, "file: the rows of \(path) are the test set")
        }
        let percent = Int((split.testFraction * 100).rounded())
        if split.method == "time", let times = data.times {
            let (train, test) = try DataSplit.byTime(times, testFraction: split.testFraction)
            return (train, test, "time: the latest \(percent)% of rows by \(configuration.timeColumn ?? "time") are the test set")
        }
        let (train, test) = try DataSplit.random(rows: data.frame.rowCount, testFraction: split.testFraction, seed: split.seed)
        return (train, test, "random: \(percent)% of rows (seed \(split.seed)) are the test set")
    }

    /// A fitted model and what fitting it showed.
    struct Fitted: Sendable {
        var model: ModelFile
        /// The monitored set's loss after each boosting round.
        var curve: [Double]
        /// The curve's metric: `valid_<loss>` for a validation set carved from the training rows (early
        /// stopping), `test_<loss>` for the test set.
        var curveName: String
        var rounds: Int?
        var importance: [TrainingResult.Importance]
    }

    /// Fits the preprocessing and the learner on `frame`. A GBDT that stops early holds out the last
    /// `validation_fraction` of the training rows (by time when there are times) to stop on; otherwise the
    /// `monitor` set's loss is only recorded each round. `weights` (and the monitor's) weigh the rows.
    func fit(
        _ frame: DataFrame, _ labels: [Double], weights: [Double]?, data: TrainingData, times: [Double]?,
        monitor: (DataFrame, [Double], [Double]?)?, reportRounds: Bool
    ) async throws -> Fitted {
        let preprocessor = try Preprocessor.fit(specs(data), features: data.features, on: frame)
        let x = try preprocessor.transform(frame)
        let learner: ModelFile.Learner
        var curve: [Double] = []
        var curveName = ""
        var rounds: Int?
        switch configuration.learner {
        case .gbdt(let configured):
            var parameters = try Self.parameters(configured, for: data, file: configuration.file)
            parameters.categoricalFeatures = try categoricalOutputs(preprocessor)
            curveName = (parameters.earlyStoppingRounds > 0 ? "valid_" : "test_") + parameters.objective.lossName
            var fitX = x
            var fitLabels = labels
            var fitWeights = weights
            var validation: (features: Matrix, labels: [Double])?
            var validationWeights: [Double]?
            if parameters.earlyStoppingRounds > 0 {
                let (inner, held) =
                    try times.map { try DataSplit.byTime($0, testFraction: configuration.split.validationFraction) }
                    ?? DataSplit.random(rows: x.rows, testFraction: configuration.split.validationFraction, seed: configuration.split.seed &+ 1)
                fitX = try Self.rows(x, inner)
                fitLabels = inner.map { labels[$0] }
                fitWeights = weights.map { weights in inner.map { weights[$0] } }
                validation = (try Self.rows(x, held), held.map { labels[$0] })
                validationWeights = weights.map { weights in held.map { weights[$0] } }
            } else if let monitor {
                validation = (try preprocessor.transform(monitor.0), monitor.1)
                validationWeights = monitor.2
            }
            let recorder = CurveRecorder()
            let total = parameters.numIterations
            let progress = reportRounds ? onProgress : nil
            let metric = curveName
            let trainer = GBDTTrainer(parameters: parameters) { round, loss in
                if let loss { recorder.append(loss) }
                progress?(.round(round, of: total, metric: metric, loss: loss))
            }
            let (trainX, trainY, trainW, validationSet, validationW) = (fitX, fitLabels, fitWeights, validation, validationWeights)
            let trees = try await Parallel.map(1) { _ in
                try trainer.fit(features: trainX, labels: trainY, weights: trainW, validation: validationSet, validationWeights: validationW)
            }[0]
            curve = recorder.values
            rounds = trees.rounds
            learner = .gbdt(trees)
        case .logistic(let c, let l1Ratio, let iterations):
            learner = .linear(
                try await Parallel.map(1) { _ in
                    try LinearTrainer.logistic(features: x, labels: labels, c: c, l1Ratio: l1Ratio, maxIterations: iterations, weights: weights)
                }[0])
        case .ridge(let alpha):
            learner = .linear(try await Parallel.map(1) { _ in try LinearTrainer.ridge(features: x, targets: labels, alpha: alpha, weights: weights) }[0])
        }
        let signature = ModelFile.Signature(
            inputs: data.features.map { .init(name: $0, type: frame[$0]?.type ?? .float64, nullable: (frame[$0]?.nullCount ?? 0) > 0) },
            featureService: data.metadata.featureService, label: configuration.label, task: data.task, classes: data.classes)
        var training = ["rows": String(frame.rowCount), "learner": configuration.learner.name, "config": configuration.file]
        if let version = data.metadata.definitionsVersion { training["definitions_version"] = String(version) }
        let model = ModelFile(signature: signature, preprocessor: preprocessor, learner: learner, training: training)
        return Fitted(
            model: model, curve: curve, curveName: curveName, rounds: rounds,
            importance: Self.importance(learner, names: preprocessor.outputNames))
    }

    /// The preprocessed features a GBDT splits by category: every ordinal-encoded string column, and the numeric
    /// columns the config names in `categorical` (passed through unchanged: their values are the codes).
    func categoricalOutputs(_ preprocessor: Preprocessor) throws -> Set<Int> {
        var outputs = Set<Int>()
        for (position, owner) in preprocessor.outputColumns.enumerated() {
            let column = preprocessor.columns[owner]
            if column.encoding == .ordinal {
                outputs.insert(position)
            } else if configuration.categorical.contains(column.column) {
                // Without steps or encoding a column makes exactly one output: its values.
                guard column.encoding == nil, column.steps.isEmpty else {
                    throw KiteError.invalidArgument(
                        "\(configuration.file): categorical column '\(column.column)' has preprocessing; its values must reach the trees as codes")
                }
                outputs.insert(position)
            }
        }
        for name in configuration.categorical where !preprocessor.columns.contains(where: { $0.column == name }) {
            throw KiteError.invalidArgument("\(configuration.file): categorical names '\(name)', which is not a feature")
        }
        return outputs
    }

    /// GBDT parameters with the objective the data's task needs: binary, multiclass (with its class count), or
    /// the configured regression objective (L2 unless `objective` names L1 or Huber).
    static func parameters(_ configured: GBDTParameters, for data: TrainingData, file: String) throws -> GBDTParameters {
        var parameters = configured
        let classes = data.task == .multiclass ? data.classes?.count ?? 2 : 1
        // num_class is LightGBM's way to say how many classes there are: when given, the data must agree.
        if configured.numClass != 1, configured.numClass != classes {
            throw KiteError.invalidArgument(
                "\(file): params.num_class is \(configured.numClass), but the label has \(classes) \(data.task == .multiclass ? "classes" : "value kind (\(data.task.rawValue))")"
            )
        }
        switch data.task {
        case .binary: parameters.objective = .binary
        case .multiclass: parameters.objective = .multiclass
        case .regression: if [.binary, .multiclass].contains(parameters.objective) { parameters.objective = .regression }
        }
        parameters.numClass = classes
        return parameters
    }

    /// The config's preprocessing, plus defaults for the columns it does not mention: string columns are encoded
    /// (ordinal for trees, one-hot for linear models) and, for linear models, numbers are imputed (median, with a
    /// missing indicator) and standardized.
    func specs(_ data: TrainingData) -> [ColumnSpec] {
        var specs = configuration.preprocessing
        let linear = configuration.learner.name != "gbdt"
        for name in data.features where !specs.contains(where: { $0.column == name }) {
            guard let type = data.frame[name]?.type else { continue }
            if type == .string {
                specs.append(ColumnSpec(column: name, encoding: linear ? .oneHot : .ordinal))
            } else if linear {
                specs.append(ColumnSpec(column: name, steps: [.impute(.median, indicator: true), .standardize]))
            }
        }
        return specs
    }

    /// The rows of `matrix` at `indices`.
    static func rows(_ matrix: Matrix, _ indices: [Int]) throws -> Matrix {
        var values: [Double] = []
        values.reserveCapacity(indices.count * matrix.columns)
        for row in indices { values += matrix.values[row * matrix.columns..<(row + 1) * matrix.columns] }
        return try Matrix(rows: indices.count, columns: matrix.columns, values: values)
    }

    /// Every metric of `model` on `frame`, its rows weighed by `weights` if given.
    func evaluate(_ model: ModelFile, _ frame: DataFrame, _ labels: [Double], weights: [Double]?, task: LearningTask) throws -> [String: Double] {
        switch task {
        case .regression:
            return try ModelEvaluation.metrics(task: task, labels: labels, predictions: try model.predict(frame), weights: weights)
        case .binary, .multiclass:
            return try ModelEvaluation.metrics(
                task: task, labels: labels, probabilities: try model.probabilities(frame), threshold: configuration.threshold, weights: weights)
        }
    }

    /// k-fold cross-validation over the training rows: each metric's mean and standard deviation over the folds
    /// (`cv_auc_mean`, `cv_auc_std`, …).
    func crossValidate(_ frame: DataFrame, _ labels: [Double], weights: [Double]?, data: TrainingData) async throws -> [String: Double] {
        var perFold: [[String: Double]] = []
        for (fold, split) in try DataSplit.kFold(rows: frame.rowCount, k: configuration.crossValidationFolds, seed: configuration.split.seed).enumerated() {
            onProgress?(.stage("cross-validation fold \(fold + 1) of \(configuration.crossValidationFolds)"))
            let fitted = try await fit(
                try frame.take(split.train), split.train.map { labels[$0] }, weights: weights.map { w in split.train.map { w[$0] } }, data: data,
                times: nil, monitor: nil, reportRounds: false)
            perFold.append(
                try evaluate(
                    fitted.model, try frame.take(split.test), split.test.map { labels[$0] }, weights: weights.map { w in split.test.map { w[$0] } },
                    task: data.task))
        }
        var result: [String: Double] = [:]
        for name in Set(perFold.flatMap(\.keys)) {
            let values = perFold.compactMap { $0[name] }
            let mean = values.reduce(0, +) / Double(values.count)
            result["cv_\(name)_mean"] = mean
            result["cv_\(name)_std"] = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        }
        return result
    }

    /// Per model input, how much the model relies on it, most first: split count and gain for trees, the
    /// coefficient's size for linear models.
    static func importance(_ learner: ModelFile.Learner, names: [String]) -> [TrainingResult.Importance] {
        switch learner {
        case .gbdt(let model):
            return names.indices.map {
                TrainingResult.Importance(feature: names[$0], gain: model.splitGains[$0], splits: model.splitCounts[$0], coefficient: nil)
            }
            .sorted { ($0.gain ?? 0, $1.feature) > ($1.gain ?? 0, $0.feature) }
        case .linear(let model):
            return names.indices.map { TrainingResult.Importance(feature: names[$0], gain: nil, splits: nil, coefficient: model.weights[$0]) }
                .sorted { (abs($0.coefficient ?? 0), $1.feature) > (abs($1.coefficient ?? 0), $0.feature) }
        }
    }

    /// Eight hex digits of a hash of every column's values.
    static func digest(_ frame: DataFrame) -> String {
        var hash: UInt64 = 0
        func add<T>(_ array: [T]) { array.withUnsafeBytes { hash = FastHash.bytes($0, 0, $0.count, seed: hash) } }
        for column in frame.columns {
            switch column.values {
            case .bool(let a): add(a)
            case .int32(let a): add(a)
            case .int64(let a): add(a)
            case .float32(let a): add(a)
            case .float64(let a): add(a)
            case .bytes(let offsets, let data):
                add(offsets)
                add(data)
            }
        }
        return String(String(hash, radix: 16).suffix(8))
    }
}

/// Collects a training curve from the trainer's callback.
final class CurveRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Double] = []

    func append(_ value: Double) { lock.withLock { stored.append(value) } }
    var values: [Double] { lock.withLock { stored } }
}
