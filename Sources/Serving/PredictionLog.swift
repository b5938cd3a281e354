import Foundation
import KiteCore
import Learning
import Logging
import ObjectStorage
import Parquet
import Registry
import ServiceLifecycle
import Synchronization

/// Appends served predictions to Parquet files in the offline store, in batches and off the request path:
/// `PREFIX/model=NAME/date=YYYY-MM-DD/part-TIME-ID.parquet` (Hive partitioning, as pyarrow and DuckDB read it),
/// one row per prediction with the request id, time, model version, entity keys (JSON), the model's input values
/// (one column each), the prediction, its probability and the latency (whole, and of reading features and of
/// scoring). Monitoring reads these files.
///
/// Requests are sampled (all rows of a request or none). A full buffer or a failing store never fails a
/// prediction: records are dropped and counted. As a `Service` it writes every `flushInterval` and, on graceful
/// shutdown, writes what is buffered before returning.
public final class PredictionLog: Service, Sendable {
    /// How an experiment routed a prediction.
    public struct Assignment: Sendable, Hashable {
        public var experiment: String
        public var variant: String
        /// The request column that assigns (the experiment's unit): each row's value of it is logged as `unit`.
        public var unit: String
        /// Chosen by the request (a QA override), not by the split: left out of analysis.
        public var forced: Bool
        /// Answered on a copy of the traffic and discarded.
        public var shadow: Bool

        public init(experiment: String, variant: String, unit: String, forced: Bool = false, shadow: Bool = false) {
            self.experiment = experiment
            self.variant = variant
            self.unit = unit
            self.forced = forced
            self.shadow = shadow
        }
    }

    /// A request's time to answer, whole and by stage, in microseconds.
    public struct Latency: Sendable, Equatable {
        public var total: Int64
        /// Reading the features (online store, on-demand features).
        public var features: Int64
        /// Preprocessing and the model.
        public var scoring: Int64

        public init(total: Int64, features: Int64, scoring: Int64) {
            (self.total, self.features, self.scoring) = (total, features, scoring)
        }
    }

    /// One logged prediction.
    public struct Record: Sendable {
        public var requestID: String
        /// When the prediction was made (µs since the epoch).
        public var time: Int64
        public var model: String
        public var version: Int64
        /// The request's other columns for this row (join keys, request fields) as a JSON object.
        public var entities: String
        /// The model's inputs (shared by a request's records) and this row's values of them.
        public var inputs: [ModelFile.Signature.Input]
        public var values: [Scalar]
        /// The predicted class or value.
        public var prediction: Scalar
        /// The probability of class 1 (binary) or of the predicted class (multiclass).
        public var probability: Double?
        /// The request's time to answer and its stages, in microseconds.
        public var latency: Latency
        /// The experiment and variant that routed it, if any.
        public var assignment: Assignment?
        /// The assigning unit's value (text, as hashed), when an experiment routed it.
        public var unit: String?
    }

    /// How many records were written and dropped, and how many wait in the buffer.
    public struct Statistics: Sendable, Equatable {
        public var written = 0
        public var dropped = 0
        public var buffered = 0

        public init(written: Int = 0, dropped: Int = 0, buffered: Int = 0) {
            self.written = written
            self.dropped = dropped
            self.buffered = buffered
        }
    }

    private struct State {
        var buffer: [Record] = []
        var statistics = Statistics()
    }

    /// The share of requests logged (0…1).
    public let sampleRate: Double
    private let store: any ObjectStore
    private let prefix: String
    private let capacity: Int
    private let flushInterval: Duration
    private let logger: Logger
    private let state = Mutex(State())

    /// A log into `store` under `prefix`, keeping at most `capacity` records waiting.
    public init(
        store: any ObjectStore, prefix: String = "predictions", sampleRate: Double = 1, capacity: Int = 100_000,
        flushInterval: Duration = .seconds(1), logger: Logger
    ) throws {
        guard (0...1).contains(sampleRate) else {
            throw KiteError.invalidArgument("the prediction log's sample rate must be between 0 and 1, not \(sampleRate)")
        }
        guard capacity > 0 else { throw KiteError.invalidArgument("the prediction log's capacity must be positive") }
        self.store = store
        self.prefix = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        self.sampleRate = sampleRate
        self.capacity = capacity
        self.flushInterval = flushInterval
        self.logger = logger
    }

    /// The records of answered rows, row `i` from request `requestIDs[i]`: a row's entity keys are the request's
    /// columns that are not model inputs.
    public static func records(
        requestIDs: [String], time: Int64, model: ServedModel, columns: [(name: String, values: [Scalar])], inputs: ModelInputs,
        predictions: Predictions, latency: Latency, assignment: Assignment? = nil
    ) -> [Record] {
        let signature = model.model.signature
        let inputNames = Set(signature.inputs.map(\.name))
        let keys = columns.filter { !inputNames.contains($0.name) }
        let frameColumns = signature.inputs.map { inputs.frame[$0.name] }
        let predicted = predictions.predicted
        let units = assignment.flatMap { assignment in columns.first { $0.name == assignment.unit }?.values }
        return (0..<predictions.count).map { row in
            let entities = "{" + keys.map { ValueText.quoted($0.name) + ":" + ValueText.json($0.values[row]) }.joined(separator: ",") + "}"
            let probability: Double? =
                switch predictions {
                case .binary(let probabilities, _): probabilities[row]
                case .multiclass(_, let probabilities, let best): probabilities[row][best[row]]
                case .regression: nil
                }
            return Record(
                requestID: requestIDs[row], time: time, model: model.name, version: model.version.version, entities: entities, inputs: signature.inputs,
                values: frameColumns.map { $0?.scalar(at: row) ?? .null }, prediction: predicted.scalar(at: row), probability: probability,
                latency: latency, assignment: assignment, unit: units.flatMap { ValueText.text($0[row]) })
        }
    }

    /// Whether to log the next request (a draw at the sample rate).
    public func samples() -> Bool { sampleRate >= 1 || (sampleRate > 0 && Double.random(in: 0..<1) < sampleRate) }

    /// Queues `records` without waiting; those that do not fit in the buffer are dropped and counted.
    public func append(_ records: [Record]) {
        state.withLock { state in
            let room = max(0, capacity - state.buffer.count)
            state.buffer += records.prefix(room)
            state.statistics.dropped += max(0, records.count - room)
        }
    }

    /// The counts so far.
    public var statistics: Statistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.buffered = state.buffer.count
            return statistics
        }
    }

    /// Writes what is buffered, one file per model and day; a file that cannot be written is dropped and counted.
    public func flush() async {
        let records = state.withLock { state in
            defer { state.buffer.removeAll(keepingCapacity: true) }
            return state.buffer
        }
        guard !records.isEmpty else { return }
        let groups = Dictionary(grouping: records) { GroupKey(model: $0.model, day: Timestamp.floorDivide($0.time, Timestamp.microsPerDay).quotient) }
        for (key, group) in groups.sorted(by: { ($0.key.model, $0.key.day) < ($1.key.model, $1.key.day) }) {
            let date = Timestamp.formatDate(Int32(clamping: key.day))
            let file = "\(prefix)/model=\(key.model)/date=\(date)/part-\(group[0].time)-\(UUID().uuidString.prefix(8).lowercased()).parquet"
            do {
                // A second's records take milliseconds to tabulate: not on an event loop, whose connections would wait.
                let frame = try await Parallel.run { try Self.frame(group) }
                let writer = try await ParquetWriter(sink: try await store.makeSink(for: file), schema: frame.schema)
                try await writer.write(frame)
                try await writer.close()
                state.withLock { $0.statistics.written += group.count }
            } catch {
                state.withLock { $0.statistics.dropped += group.count }
                logger.warning("could not write \(group.count) prediction records to \(file): \(error)")
            }
        }
    }

    /// Writes every `flushInterval` until the service group shuts down, then writes what is left.
    public func run() async throws {
        let interval = flushInterval
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            guard (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: interval) })) != nil else { break }
            await flush()
        }
        await flush()
    }

    private struct GroupKey: Hashable {
        var model: String
        var day: Int64
    }

    /// The records as one table: the fixed columns, then each input (the union over the records' versions; an
    /// input named like a fixed column gets a `feature_` prefix).
    static func frame(_ records: [Record]) throws -> DataFrame {
        // The model is in the file's path (model=NAME), as Hive partitioning has it, so not a column.
        let fixed = [
            "request_id", "timestamp", "model_version", "entities", "prediction", "probability", "latency_us", "features_us", "scoring_us", "experiment",
            "variant", "forced", "shadow", "unit",
        ]
        var inputs: [ModelFile.Signature.Input] = []
        var seen = Set<String>()
        for record in records {
            for input in record.inputs where seen.insert(input.name).inserted { inputs.append(input) }
        }
        var columns: [(String, DataColumn)] = [
            ("request_id", .strings(records.map(\.requestID))), ("timestamp", .timestamps(records.map(\.time))),
            ("model_version", .int64s(records.map(\.version))),
            ("entities", .strings(records.map(\.entities))),
            ("prediction", try DataColumn(scalars: records.map(\.prediction), type: Self.type(of: records.map(\.prediction)))),
            ("probability", .float64s(records.map(\.probability))), ("latency_us", .int64s(records.map(\.latency.total))),
            ("features_us", .int64s(records.map(\.latency.features))), ("scoring_us", .int64s(records.map(\.latency.scoring))),
            ("experiment", .strings(records.map { $0.assignment?.experiment })), ("variant", .strings(records.map { $0.assignment?.variant })),
            ("forced", .bools(records.map { $0.assignment?.forced ?? false })), ("shadow", .bools(records.map { $0.assignment?.shadow ?? false })),
            ("unit", .strings(records.map(\.unit))),
        ]
        // Where each of `inputs` sits in a version's records (a version's records share its inputs).
        var layouts: [Int64: [Int?]] = [:]
        for record in records where layouts[record.version] == nil {
            layouts[record.version] = inputs.map { input in record.inputs.firstIndex { $0.name == input.name } }
        }
        var values = inputs.map { _ in [Scalar]() }
        for index in values.indices { values[index].reserveCapacity(records.count) }
        for record in records {
            let layout = layouts[record.version, default: inputs.map { _ in nil }]
            for index in values.indices {
                values[index].append(layout[index].map { record.values.indices.contains($0) ? record.values[$0] : .null } ?? .null)
            }
        }
        for (input, values) in zip(inputs, values) {
            columns.append((fixed.contains(input.name) ? "feature_\(input.name)" : input.name, try DataColumn(scalars: values, type: input.type)))
        }
        return try DataFrame(columns)
    }

    /// The column type of predictions: integers for classes, doubles for values, strings for named classes.
    private static func type(of values: [Scalar]) -> DataType {
        switch values.first(where: { !$0.isNull }) {
        case .int?: .int64
        case .string?: .string
        default: .float64
        }
    }
}
