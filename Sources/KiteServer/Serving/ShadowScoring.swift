import ABTesting
import KiteCore
import Learning
import Registry
import ServiceLifecycle
import Serving
import Synchronization

/// Shadow versions' scoring, off the request path: an answered request queues its rows, and one consumer scores
/// everything queued since its last pass as one batch per shadow version — a shadow then costs a request an
/// append, and its model runs over many rows at once. Each row is logged under its own request's id. At most
/// `capacity` rows wait; more are dropped and counted (a shadow never slows or fails an answer). On graceful
/// shutdown the queue is scored before the service returns, so the prediction log (shut down after it) writes
/// those rows too.
public final class ShadowScoring: Service, Sendable {
    /// The rows that may wait by default.
    public static let defaultCapacity = 20_000

    /// One answered request whose rows the experiment's shadows score.
    struct Request: Sendable {
        var serving: PredictionServing
        var experiment: RunningExperiment
        /// The request's columns (entity keys and request fields).
        var columns: [(name: String, values: [Scalar])]
        /// The request's answered rows, whose inputs the shadows reuse instead of reading the features again.
        var answered: [PredictionServing.RowAnswer]
        var requestID: String
    }

    private struct State {
        var queue: [Request] = []
        var rows = 0
        var dropped = 0
    }

    /// The most rows waiting to be scored.
    let capacity: Int
    /// How long the consumer lets requests queue once woken.
    let gathering: Duration
    private let state = Mutex(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(capacity: Int = defaultCapacity, gathering: Duration = .milliseconds(2)) {
        self.capacity = capacity
        self.gathering = gathering
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues `request` for its experiment's shadows without waiting; dropped (and counted) when the queue is full.
    /// Only the request that finds the queue empty wakes the consumer.
    func submit(_ request: Request) {
        let rows = request.answered.count
        let first = state.withLock { state in
            guard state.rows + rows <= capacity else {
                state.dropped += rows
                return false
            }
            state.queue.append(request)
            state.rows += rows
            return state.queue.count == 1
        }
        if first { wake.yield() }
    }

    /// Rows dropped because the queue was full.
    var dropped: Int { state.withLock(\.dropped) }

    /// Scores what is queued whenever requests arrive — after `gathering`, so that a busy server's requests are
    /// scored in batches and the consumer is woken a few hundred times a second at most — until graceful
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

    /// Scores the queued requests: for each shadow, one batch per shape of request (the same columns in the same
    /// order), each row logged under its request's id. A batch that fails is skipped (its error is counted by
    /// the prediction metrics).
    func scoreQueued() async {
        let requests = state.withLock { state in
            defer { (state.queue, state.rows) = ([], 0) }
            return state.queue
        }
        var batches: [Batch] = []
        var batchOf: [BatchKey: Int] = [:]
        for request in requests {
            let definition = request.experiment.definition
            let given = Set(request.columns.map(\.name))
            for shadow in request.experiment.shadows {
                // The features the answers read, when they hold every input of the shadow: no second read.
                let needed = shadow.model.signature.inputs.map(\.name).filter { !given.contains($0) }
                let columns = request.columns + (PredictionServing.columns(needed, from: request.answered) ?? [])
                let key = BatchKey(
                    experiment: definition.key, unit: definition.unit, model: shadow.name, version: shadow.version.version, columns: columns.map(\.name))
                let index = batchOf[key] ?? batches.count
                if index == batches.count {
                    batchOf[key] = index
                    batches.append(Batch(key: key, serving: request.serving, shadow: shadow, columns: columns.map { (name: $0.name, values: []) }))
                }
                batches[index].append(columns, requestID: request.requestID)
            }
        }
        for batch in batches {
            let assignment = PredictionLog.Assignment(
                experiment: batch.key.experiment, variant: "shadow v\(batch.key.version)", unit: batch.key.unit, shadow: true)
            _ = try? await batch.serving.predict(
                batch.shadow, columns: batch.columns, requestIDs: batch.requestIDs, requests: batch.requests, assignment: assignment)
        }
    }

    private struct BatchKey: Hashable {
        var experiment: String
        var unit: String
        var model: String
        var version: Int64
        var columns: [String]
    }

    /// The rows of the requests one shadow scores together.
    private struct Batch {
        var key: BatchKey
        var serving: PredictionServing
        var shadow: ServedModel
        var columns: [(name: String, values: [Scalar])]
        var requestIDs: [String] = []
        var requests = 0

        mutating func append(_ rows: [(name: String, values: [Scalar])], requestID: String) {
            for (index, column) in rows.enumerated() { columns[index].values += column.values }
            requestIDs += repeatElement(requestID, count: rows.first?.values.count ?? 0)
            requests += 1
        }
    }
}
