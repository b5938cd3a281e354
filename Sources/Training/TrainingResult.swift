import Foundation
import Learning
import Registry

/// What a training run did: its run, the registered version (if the gates passed), every validation metric and
/// each gate's outcome. `json()` is `kite train --json`'s output.
public struct TrainingResult: Sendable, Codable {
    /// One model input's importance.
    public struct Importance: Sendable, Codable, Hashable {
        public var feature: String
        /// Trees: the total gain of the splits on it, and their number.
        public var gain: Double?
        public var splits: Int?
        /// Linear models: its coefficient (on the preprocessed scale).
        public var coefficient: Double?
    }

    /// One gate's outcome.
    public struct Gate: Sendable, Codable, Hashable {
        public var gate: String
        public var value: Double
        /// What the value was compared with; nil for a champion gate when there is no champion yet.
        public var threshold: Double?
        public var passed: Bool
    }

    /// The model the champion gates compared with.
    public struct Champion: Sendable, Codable, Hashable {
        public var version: Int64
        public var metrics: [String: Double]
        /// Whether the metrics were measured by scoring the champion on this run's test set (else they are the
        /// ones its own run recorded).
        public var rescored: Bool
    }

    public var runID: String
    public var experimentID: String
    /// Finished, or failed when a gate failed.
    public var status: RunStatus
    public var model: String?
    /// The registered version; nil when nothing was registered.
    public var version: Int64?
    public var alias: String?
    /// The version aliased `champion` the gates compared with, if any gate did.
    public var champion: Champion?
    public var task: LearningTask
    public var learner: String
    public var metrics: [String: Double]
    public var gates: [Gate]
    public var trainRows: Int
    public var testRows: Int
    public var droppedRows: Int
    public var features: Int
    /// Boosting rounds kept (GBDT).
    public var rounds: Int?
    /// The ten most important model inputs.
    public var importance: [Importance]
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case status, model, version, alias, task, learner, metrics, gates, features, rounds, importance, seconds
        case champion
        case runID = "run_id"
        case experimentID = "experiment_id"
        case trainRows = "train_rows"
        case testRows = "test_rows"
        case droppedRows = "dropped_rows"
    }

    /// One JSON object with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
