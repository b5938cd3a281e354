import ABTesting
import KiteCore
import Learning
import Registry
import ServiceLifecycle
import Serving
import Synchronization

/// Shadow versions' scoring, off the request path: an answered request's rows are appended, under a lock, to the
/// batch each of its experiment's shadows will score, and one consumer scores the batches gathered since its last
/// pass — a shadow costs a request a few appends, and its model runs over many rows at once. A shadow reuses the
/// inputs the answering version scored when they hold all of its own (versions of one pipeline), so the features
/// are not read twice, and the request keeps nothing alive past its answer. Each row is logged under its own
/// request's id. At most `capacity` rows wait; more are dropped and counted (a shadow never slows or fails an
/// answer). On graceful shutdown the batches are scored before the service returns, so the prediction log (shut
/// down after it) writes those rows too.
public final class ShadowScoring: Service, Sendable {
    /// The rows that may wait by default.
    public static let defaultCapacity = 20_000

    /// The rows of a request that one version answered: the version, the inputs it scored (one row per member),
    /// and the request rows they are, in order.
    struct Answered {
        var model: ServedModel
        var inputs: DataFrame
        var rows: [Int]
    }

    private struct State {
        var batches: [Batch] = []
        var rows = 0
        var dropped = 0
    }

    /// The most rows waiting to be scored.
    let capacity: Int
    /// How long the consumer lets requests gather once woken.
    let gathering: Duration
    private let state = Mutex(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(capacity: Int = defaultCapacity, gathering: Duration = .milliseconds(10)) {
        self.capacity = capacity
        self.gathering = gathering
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Appends a request's rows (`columns`: its entity keys and request fields; `answered`: its rows by the version
    /// that answered them) to the batches of `experiment`'s shadows, without waiting; dropped (and counted) when
    /// the queue is full. Only the request that finds the queue empty wakes the consumer.
    func submit(serving: PredictionServing, experiment: RunningExperiment, columns: [(name: String, values: [Scalar])], answered: [Answered], requestID: String)
    {
        let rows = answered.reduce(0) { $0 + $1.rows.count }
        let first = state.withLock { state in
            guard state.rows + rows <= capacity else {
                state.dropped += rows
                return false
            }
            for part in answered {
                for shadow in experiment.shadows {
                    let index =
                        state.batches.firstIndex { $0.holds(shadow: shadow, answering: part.model, experiment: experiment.definition, columns: columns) }
                        ?? {
                            state.batches.append(Batch(serving: serving, experiment: experiment.definition, shadow: shadow, answered: part, columns: columns))
                            return state.batches.count - 1
                        }()
                    state.batches[index].append(columns, part, requestID: requestID)
                }
            }
            let first = state.rows == 0
            state.rows += rows
            return first
        }
        if first { wake.yield() }
    }

    /// Rows dropped because the queue was full.
    var dropped: Int { state.withLock(\.dropped) }

    /// Scores what is gathered whenever requests arrive — after `gathering`, so that a busy server's requests are
    /// scored in batches of hundreds of rows and the consumer is woken a hundred times a second at most — until graceful
    /// shutdown; then scores what is left.
    public func run() async throws {
        let gathering = self.gathering
        await withGracefulShutdownHandler {
            for await _ in wakeups {
                try? await Task.sleep(for: gathering)
                await scoreQueued()
            }
        } onGracefulShutdown: {
            self.wake.finish()
        }
        await scoreQueued()
    }

    /// Scores the gathered batches, each row logged under its request's id. A batch that fails is skipped (its
    /// error is counted by the prediction metrics).
    func scoreQueued() async {
        let batches = state.withLock { state in
            defer { (state.batches, state.rows) = ([], 0) }
            return state.batches
        }
        for batch in batches {
            let assignment = PredictionLog.Assignment(
                experiment: batch.experiment.key, variant: "shadow v\(batch.shadow.version.version)", unit: batch.experiment.unit, shadow: true)
            _ = try? await batch.serving.predict(
                batch.shadow, columns: Array(zip(batch.names, batch.values)), requestIDs: batch.requestIDs, requests: batch.requests,
                assignment: assignment)
        }
    }

    /// The rows one shadow scores together: those of requests with the same columns, answered by the same
    /// version. Its columns are the requests' columns, then — when the answering version's inputs hold every other
    /// input of the shadow — those inputs, taken from what the answering version scored.
    private struct Batch {
        /// The first request's serving context (a server has one).
        let serving: PredictionServing
        let experiment: ExperimentDefinition
        let shadow: ServedModel
        let answering: ServedModel
        let names: [String]
        /// Where each input after the request's columns sits among the answering version's inputs.
        let sources: [Int]
        var values: [[Scalar]]
        var requestIDs: [String] = []
        var requests = 0

        init(serving: PredictionServing, experiment: ExperimentDefinition, shadow: ServedModel, answered: Answered, columns: [(name: String, values: [Scalar])])
        {
            let given = Set(columns.map(\.name))
            let needed = shadow.model.signature.inputs.map(\.name).filter { !given.contains($0) }
            let sources = needed.compactMap { answered.inputs.schema.index(of: $0) }
            // Unless every input is there, the shadow reads its features itself: only the request's columns.
            (self.sources, names) = sources.count == needed.count ? (sources, columns.map(\.name) + needed) : ([], columns.map(\.name))
            (self.serving, self.experiment, self.shadow, answering) = (serving, experiment, shadow, answered.model)
            values = Array(repeating: [], count: names.count)
        }

        func holds(shadow: ServedModel, answering: ServedModel, experiment: ExperimentDefinition, columns: [(name: String, values: [Scalar])]) -> Bool {
            self.shadow === shadow && self.answering === answering && self.experiment.key == experiment.key
                && columns.count + sources.count == names.count && zip(columns, names).allSatisfy { $0.name == $1 }
        }

        mutating func append(_ columns: [(name: String, values: [Scalar])], _ answered: Answered, requestID: String) {
            for (index, column) in columns.enumerated() {
                if answered.rows.count == column.values.count {
                    values[index] += column.values
                } else {
                    for row in answered.rows { values[index].append(column.values[row]) }
                }
            }
            for (offset, source) in sources.enumerated() {
                let column = answered.inputs.columns[source]
                for row in 0..<answered.rows.count { values[columns.count + offset].append(column.scalar(at: row)) }
            }
            requestIDs += repeatElement(requestID, count: answered.rows.count)
            requests += 1
        }
    }
}
