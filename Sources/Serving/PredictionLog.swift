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
        /// The rows waiting, by model and day: one file each at the next flush.
        var rows: [GroupKey: Rows] = [:]
        var buffered = 0
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

    /// Whether to log the next request (a draw at the sample rate).
    public func samples() -> Bool { sampleRate >= 1 || (sampleRate > 0 && Double.random(in: 0..<1) < sampleRate) }

    /// Queues a request's rows without waiting — those past the buffer's capacity are dropped and counted: row `i`
    /// under `requestIDs[i]`, with the request's columns that are not model inputs (entity keys, request fields)
    /// as JSON, its model inputs, prediction, probability and latency, and the experiment that routed it. The rows
    /// go straight into column buffers: nothing is made per row that the flush would free on another thread.
    public func append(
        requestIDs: [String], time: Int64, model: ServedModel, columns: [(name: String, values: [Scalar])], inputs: ModelInputs,
        predictions: Predictions, latency: Latency, assignment: Assignment? = nil
    ) {
        let key = GroupKey(model: model.name, day: Timestamp.floorDivide(time, Timestamp.microsPerDay).quotient)
        state.withLock { state in
            let rows = min(max(0, capacity - state.buffered), predictions.count, requestIDs.count)
            state.statistics.dropped += predictions.count - rows
            guard rows > 0 else { return }
            state.rows[key, default: Rows()].append(
                requestIDs: requestIDs, time: time, model: model, columns: columns, inputs: inputs, predictions: predictions, latency: latency,
                assignment: assignment, rows: rows)
            state.buffered += rows
        }
    }

    /// The counts so far.
    public var statistics: Statistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.buffered = state.buffered
            return statistics
        }
    }

    /// Writes what is buffered, one file per model and day; a file that cannot be written is dropped and counted.
    public func flush() async {
        let groups = state.withLock { state in
            defer { (state.rows, state.buffered) = ([:], 0) }
            return state.rows
        }
        for (key, rows) in groups.sorted(by: { ($0.key.model, $0.key.day) < ($1.key.model, $1.key.day) }) {
            let date = Timestamp.formatDate(Int32(clamping: key.day))
            let file = "\(prefix)/model=\(key.model)/date=\(date)/part-\(rows.firstTime)-\(UUID().uuidString.prefix(8).lowercased()).parquet"
            do {
                // A second's rows take milliseconds to tabulate: not on an event loop, whose connections would wait.
                let frame = try await Parallel.run { try rows.frame() }
                let writer = try await ParquetWriter(sink: try await store.makeSink(for: file), schema: frame.schema)
                try await writer.write(frame)
                try await writer.close()
                state.withLock { $0.statistics.written += rows.count }
            } catch {
                state.withLock { $0.statistics.dropped += rows.count }
                logger.warning("could not write \(rows.count) prediction records to \(file): \(error)")
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
}
