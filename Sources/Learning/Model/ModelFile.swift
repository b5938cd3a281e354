import Foundation
import KiteCore

/// Kite's model file (documented in docs/model-file.md): one JSON document holding everything needed to predict — the fitted preprocessing, the
/// learner, the input signature — plus training metadata and validation metrics. `format` is `kite-model` and
/// `version` is 1; a reader rejects other versions and structurally impossible contents (a tree child out of
/// range, a weight count that does not match the features) instead of failing while predicting. Numbers are
/// written in their shortest exact form, so a loaded model predicts bit for bit what it predicted before saving.
public struct ModelFile: Sendable, Hashable, Codable {
    /// The version this Kite writes and reads.
    public static let currentVersion = 1

    /// The learner inside, written as `{"gbdt": {…}}` or `{"linear": {…}}`.
    public enum Learner: Sendable, Hashable, Codable {
        case gbdt(GradientBoostedTrees)
        case linear(LinearModel)

        private enum CodingKeys: String, CodingKey { case gbdt, linear }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let trees = try container.decodeIfPresent(GradientBoostedTrees.self, forKey: .gbdt) {
                self = .gbdt(trees)
            } else if let linear = try container.decodeIfPresent(LinearModel.self, forKey: .linear) {
                self = .linear(linear)
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "the learner is neither gbdt nor linear"))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .gbdt(let trees): try container.encode(trees, forKey: .gbdt)
            case .linear(let linear): try container.encode(linear, forKey: .linear)
            }
        }
    }

    /// What the model reads: its input columns and where they come from.
    public struct Signature: Sendable, Hashable, Codable {
        /// Input column names and their types (written `float64`, `int64`, `bool`, `string`, …).
        public var inputs: [Input]
        /// The feature service the inputs come from, if the training set came from the feature store.
        public var featureService: String?
        public var label: String
        /// What the model predicts (written `binary`, `multiclass` or `regression`).
        public var task: LearningTask
        /// A multiclass model's class names (the label values, as text), in output order.
        public var classes: [String]?

        /// One input column.
        public struct Input: Sendable, Hashable, Codable {
            public var name: String
            public var type: DataType
            /// Whether the training rows had missing values here, so the learner learned what to do with them
            /// (absent in files written before it was recorded: then only imputed or encoded inputs accept them).
            public var nullable: Bool?

            /// An input column.
            public init(name: String, type: DataType, nullable: Bool? = nil) {
                self.name = name
                self.type = type
                self.nullable = nullable
            }
        }

        /// A signature.
        public init(inputs: [Input], featureService: String?, label: String, task: LearningTask, classes: [String]? = nil) {
            self.inputs = inputs
            self.featureService = featureService
            self.label = label
            self.task = task
            self.classes = classes
        }
    }

    /// Whether a missing value of input `name` has a learned or fitted meaning: the training rows had missing
    /// values there, or the preprocessing imputes or encodes it. Elsewhere it would reach the learner as a NaN it
    /// never saw.
    public func acceptsMissing(_ name: String) -> Bool {
        signature.inputs.first { $0.name == name }?.nullable == true || preprocessor.acceptsMissing(name)
    }

    public var format = "kite-model"
    public var version = ModelFile.currentVersion
    public var signature: Signature
    public var preprocessor: Preprocessor
    public var learner: Learner
    /// Free-form training facts: rows, time, parameters, training-set lineage.
    public var training: [String: String]
    public var metrics: [String: Double]

    /// A model file from its parts.
    public init(signature: Signature, preprocessor: Preprocessor, learner: Learner, training: [String: String] = [:], metrics: [String: Double] = [:]) {
        self.signature = signature
        self.preprocessor = preprocessor
        self.learner = learner
        self.training = training
        self.metrics = metrics
    }

    /// Predictions for every row of `frame`: the probability of class 1 (binary), the value (regression), the
    /// most probable class's index into `signature.classes` (multiclass).
    public func predict(_ frame: DataFrame) throws -> [Double] { try predict(features: try preprocessor.transform(frame)) }

    /// Predictions for rows already preprocessed (`preprocessor.transform`), as `predict(_:)` gives them.
    public func predict(features: Matrix) throws -> [Double] { try predictor().predict(features) }

    /// Each row's class probabilities, in `signature.classes` order (multiclass), or `[1 − p, p]` (binary).
    public func probabilities(_ frame: DataFrame) throws -> [[Double]] { try probabilities(features: try preprocessor.transform(frame)) }

    /// Class probabilities for rows already preprocessed, as `probabilities(_:)` gives them.
    public func probabilities(features: Matrix) throws -> [[Double]] { try predictor().probabilities(features) }

    /// The learner ready to score many batches: trees packed once.
    public func predictor() throws -> ModelPredictor {
        switch learner {
        case .gbdt(let model): .forest(try model.predictor())
        case .linear(let model): .linear(model)
        }
    }

    /// The prediction for one row given by column name.
    public func predict(row: [String: Scalar]) throws -> Double {
        let features = try preprocessor.transform(row: row)
        switch learner {
        case .gbdt(let model): return try model.predict(features)
        case .linear(let model): return model.predict(features)
        }
    }

    // MARK: Files

    private static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// The file's bytes.
    public func encoded() throws -> Data { try Self.encoder().encode(self) }

    /// Writes the model to `path` atomically (a temporary file renamed into place).
    public func save(to path: String) throws {
        do {
            try encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw KiteError(.io, "cannot write the model to \(path): \(error.localizedDescription)")
        }
    }

    /// Reads a model file, rejecting other formats, other versions and impossible contents with a clear error.
    public static func load(path: String) throws -> ModelFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KiteError(.notFound, "no model file at \(path)")
        }
        return try decode(data, source: path)
    }

    /// Reads a model from its bytes (`source` names it in errors).
    public static func decode(_ data: Data, source: String) throws -> ModelFile {
        struct Header: Decodable {
            var format: String?
            var version: Int?
        }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: data) } catch {
            throw KiteError.corrupt("\(source) is not a Kite model file (not a JSON object)")
        }
        guard header.format == "kite-model" else { throw KiteError.corrupt("\(source) is not a Kite model file (format is not 'kite-model')") }
        guard header.version == currentVersion else {
            throw KiteError.unsupported("\(source) is a version \(header.version.map(String.init) ?? "?") model; this Kite reads version \(currentVersion)")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let model: ModelFile
        do { model = try decoder.decode(ModelFile.self, from: data) } catch {
            throw KiteError.corrupt("\(source) is a damaged model file: \(error)")
        }
        try model.validate(source: source)
        return model
    }

    /// Checks that every index and count in the model fits, so prediction cannot go out of range.
    func validate(source: String) throws {
        func fail(_ message: String) -> KiteError { KiteError.corrupt("\(source) is a damaged model file: \(message)") }
        let featureCount = preprocessor.outputNames.count
        guard preprocessor.outputNames == preprocessor.columns.flatMap(Preprocessor.outputNames) else {
            throw fail("the preprocessing outputs do not add up")
        }
        // The task must be what the learner predicts, so every reader can trust the signature.
        let fits: Bool
        switch (signature.task, learner) {
        case (.binary, .gbdt(let model)): fits = model.objective == .binary
        case (.binary, .linear(let model)): fits = model.kind == .logistic
        case (.multiclass, .gbdt(let model)): fits = model.objective == .multiclass
        case (.multiclass, .linear): fits = false
        case (.regression, .gbdt(let model)): fits = [.regression, .regressionL1, .huber].contains(model.objective)
        case (.regression, .linear(let model)): fits = model.kind == .ridge
        }
        guard fits else { throw fail("a \(signature.task) signature does not fit its learner") }
        switch learner {
        case .linear(let model):
            guard model.weights.count == featureCount else { throw fail("\(model.weights.count) weights for \(featureCount) features") }
            guard model.featureMeans.map({ $0.count == featureCount }) ?? true else { throw fail("the feature means do not match the features") }
        case .gbdt(let model):
            let outputs = model.objective == .multiclass ? signature.classes?.count ?? 0 : 1
            guard model.outputCount == outputs else {
                throw fail("\(model.outputCount) outputs for a \(signature.task) model with \(outputs) outputs")
            }
            guard model.featureCount == featureCount else {
                throw fail("the trees take \(model.featureCount) features, the preprocessing makes \(featureCount)")
            }
            do { try model.validate() } catch let error as KiteError { throw fail(error.message) }
        }
    }
}
