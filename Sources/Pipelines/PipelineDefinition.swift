import Foundation
import KiteCore

/// A pipeline (`pipelines/NAME.yaml`): a DAG of steps, each a `kite` command, on an optional cron schedule.
///
/// A run has a logical time — the schedule's firing it stands for, or the time given to a manual run — which
/// steps see through the templates `{{ ds }}` (its date, `YYYY-MM-DD`) and `{{ ts }}` (ISO 8601): the same names,
/// with the same values, as in Airflow 3's cron DAGs, so exported DAGs run the same commands.
public struct PipelineDefinition: Sendable, Hashable {
    /// Which missed firings a scheduler runs when it starts late: none, only the latest, or all of them.
    public enum CatchUp: String, Sendable, Hashable, CaseIterable {
        case none, latest, all
    }

    /// One step: a kite command (or, for a sharded batch step, one per shard).
    public struct Step: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            case materializeIncremental = "materialize-incremental"
            case batchPredict = "batch-predict"
            case train
            case command
        }

        public var name: String
        public var kind: Kind
        /// The `kite` arguments (after `kite`), with templates; a sharded step gets `--shard I/N` added per shard.
        public var arguments: [String]
        /// How many slices a batch step is cut into (each a task of its own).
        public var shards: Int
        public var dependsOn: [String]
        /// Attempts after the first; the wait before attempt n+1 is `retryDelay × 2^(n-1)`.
        public var retries: Int
        public var retryDelay: TimeSpan
        /// A step running longer is stopped and fails its attempt.
        public var timeout: TimeSpan?

        public init(
            name: String, kind: Kind, arguments: [String], shards: Int = 1, dependsOn: [String] = [], retries: Int = 0,
            retryDelay: TimeSpan = TimeSpan(microseconds: 30_000_000), timeout: TimeSpan? = nil
        ) {
            self.name = name
            self.kind = kind
            self.arguments = arguments
            self.shards = shards
            self.dependsOn = dependsOn
            self.retries = retries
            self.retryDelay = retryDelay
            self.timeout = timeout
        }

        /// The command lines (arguments after `kite`) of this step for a run at `logicalTime`, one per shard.
        public func commands(logicalTime: Int64) -> [[String]] {
            let rendered = arguments.map { PipelineDefinition.render($0, logicalTime: logicalTime) }
            guard shards > 1 else { return [rendered] }
            return (1...shards).map { rendered + ["--shard", "\($0)/\(shards)"] }
        }

        /// The wait before attempt `attempt` (2, 3, …).
        public func delay(beforeAttempt attempt: Int) -> Int64 {
            retryDelay.microseconds &* (Int64(1) << Int64(min(max(attempt - 2, 0), 20)))
        }
    }

    public var name: String
    public var schedule: CronSchedule?
    public var catchUp: CatchUp
    /// Runs of this pipeline at once, at most.
    public var maxActiveRuns: Int
    public var steps: [Step]

    /// A pipeline, checked: step names unique, dependencies known and acyclic, shards only on batch steps.
    public init(name: String, schedule: CronSchedule? = nil, catchUp: CatchUp = .latest, maxActiveRuns: Int = 1, steps: [Step]) throws {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else {
            throw KiteError.invalidArgument("pipeline name '\(name)' must be letters, digits, '-' and '_'")
        }
        guard maxActiveRuns >= 1 else { throw KiteError.invalidArgument("max_active_runs must be at least 1") }
        guard !steps.isEmpty else { throw KiteError.invalidArgument("pipeline '\(name)' has no steps") }
        var seen = Set<String>()
        for step in steps {
            guard seen.insert(step.name).inserted else { throw KiteError.invalidArgument("step '\(step.name)' appears twice") }
            guard step.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }), !step.name.isEmpty else {
                throw KiteError.invalidArgument("step name '\(step.name)' must be letters, digits, '-' and '_'")
            }
            guard step.shards >= 1, step.shards == 1 || step.kind == .batchPredict else {
                throw KiteError.invalidArgument("step '\(step.name)': shards (\(step.shards)) apply to batch-predict steps, at least 1")
            }
            guard step.retries >= 0 else { throw KiteError.invalidArgument("step '\(step.name)': retries must be 0 or more") }
        }
        for step in steps {
            for dependency in step.dependsOn where !seen.contains(dependency) {
                throw KiteError.invalidArgument("step '\(step.name)' depends on '\(dependency)', which is not a step of pipeline '\(name)'")
            }
        }
        self.name = name
        self.schedule = schedule
        self.catchUp = catchUp
        self.maxActiveRuns = maxActiveRuns
        self.steps = steps
        _ = try order()
    }

    /// The steps in an order that runs each after its dependencies (the file's order among independent ones); a
    /// cycle is an error naming it.
    public func order() throws -> [Step] {
        var done = Set<String>()
        var ordered: [Step] = []
        while ordered.count < steps.count {
            guard let next = steps.first(where: { !done.contains($0.name) && $0.dependsOn.allSatisfy(done.contains) }) else {
                let stuck = steps.filter { !done.contains($0.name) }.map(\.name)
                throw KiteError.invalidArgument("steps \(stuck.joined(separator: ", ")) depend on each other in a cycle")
            }
            done.insert(next.name)
            ordered.append(next)
        }
        return ordered
    }

    /// `text` with `{{ ds }}` and `{{ ts }}` replaced for `logicalTime`.
    public static func render(_ text: String, logicalTime: Int64) -> String {
        var out = text
        for (name, value) in [
            ("ds", Timestamp.formatDate(Int32(clamping: Timestamp.floorDivide(logicalTime, Timestamp.microsPerDay).quotient))),
            ("ts", Timestamp.format(logicalTime).replacingOccurrences(of: ".000000Z", with: "Z")),
        ] {
            for spelling in ["{{ \(name) }}", "{{\(name)}}"] { out = out.replacingOccurrences(of: spelling, with: value) }
        }
        return out
    }
}
