import Features
import Foundation
import KiteCore

/// Pipeline files (`pipelines/*.yaml`) read into definitions, each mistake reported with its file and line:
///
/// ```yaml
/// name: nightly
/// schedule: "0 2 * * *"          # cron, or @daily …; omit for manual runs only
/// timezone: Europe/Berlin         # default UTC
/// catchup: latest                 # none | latest | all
/// max_active_runs: 1
/// steps:
///   - name: materialize
///     materialize-incremental: {views: [customer_stats]}      # up to the run's logical time
///   - name: score
///     depends_on: [materialize]
///     batch-predict: {model: fraud@champion, entities: data/customers.parquet, out: "scores/{{ ds }}", shards: 2}
///     retries: 2
///     retry_delay: 30s
///     timeout: 1h
///   - name: report
///     command: [models, list]
/// ```
public enum PipelineFile {
    /// Every `*.yaml` under `folder` (none when it does not exist), by name; two files naming one pipeline is an error.
    public static func loadAll(folder: String) throws -> [PipelineDefinition] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var pipelines: [String: (PipelineDefinition, String)] = [:]
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = folder + "/" + name
            let pipeline = try load(path: path)
            if let (_, other) = pipelines[pipeline.name] {
                throw KiteError.invalidArgument("\(path): pipeline '\(pipeline.name)' is also defined in \(other)")
            }
            pipelines[pipeline.name] = (pipeline, path)
        }
        return pipelines.values.map(\.0).sorted { $0.name < $1.name }
    }

    /// The pipeline in `path`.
    public static func load(path: String) throws -> PipelineDefinition {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw KiteError(.notFound, "cannot read the pipeline file \(path): \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    /// The pipeline in YAML `text` (`file` names it in errors).
    public static func parse(_ text: String, file: String) throws -> PipelineDefinition {
        guard let root = try YAMLValue.parse(text, file: file) else { throw KiteError.invalidArgument("\(file) is empty") }
        let map = try root.mapping("the pipeline", allowed: ["name", "schedule", "timezone", "catchup", "max_active_runs", "steps"])
        let name = try map.required("name", in: "the pipeline", at: root).string("name")
        var schedule: CronSchedule?
        if let value = map["schedule"] {
            do { schedule = try CronSchedule(try value.string("schedule"), timeZone: try map["timezone"]?.string("timezone") ?? "UTC") } catch let error
                as KiteError
            {
                throw value.fail(error.message)
            }
        } else if let zone = map["timezone"] {
            throw zone.fail("a timezone needs a schedule")
        }
        var catchUp = PipelineDefinition.CatchUp.latest
        if let value = map["catchup"] {
            let text = try value.string("catchup")
            guard let parsed = PipelineDefinition.CatchUp(rawValue: text) else {
                throw value.fail("catchup must be one of \(PipelineDefinition.CatchUp.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
            }
            catchUp = parsed
        }
        let stepItems = try map.required("steps", in: "the pipeline", at: root).sequence("steps")
        let steps = try stepItems.map(step)
        do {
            return try PipelineDefinition(
                name: name, schedule: schedule, catchUp: catchUp, maxActiveRuns: try map["max_active_runs"]?.int("max_active_runs") ?? 1, steps: steps)
        } catch let error as KiteError where error.code == .invalidArgument {
            // Name the step's line when the message is about one step.
            let line = zip(steps, stepItems).first { step, _ in error.message.contains("'\(step.name)'") }?.1 ?? root
            throw line.fail(error.message)
        }
    }

    private static func step(_ item: YAMLValue) throws -> PipelineDefinition.Step {
        let kinds = PipelineDefinition.Step.Kind.allCases.map(\.rawValue)
        let fields = try item.mapping("a step", allowed: Set(["name", "depends_on", "retries", "retry_delay", "timeout"] + kinds))
        let name = try fields.required("name", in: "a step", at: item).string("a step's name")
        let given = kinds.filter { fields[$0] != nil }
        guard given.count == 1, let kindName = given.first, let kind = PipelineDefinition.Step.Kind(rawValue: kindName), let body = fields[kindName] else {
            throw item.fail(
                "step '\(name)' needs exactly one of \(kinds.joined(separator: ", "))\(given.count > 1 ? " (it has \(given.joined(separator: " and ")))" : "")")
        }
        var arguments: [String]
        var shards = 1
        switch kind {
        case .materializeIncremental:
            let options = try body.mapping("materialize-incremental", allowed: ["views"])
            arguments = ["materialize-incremental", "{{ ts }}"]
            if let views = options["views"] { arguments += ["--views", try views.strings("views").joined(separator: ",")] }
        case .batchPredict:
            let options = try body.mapping(
                "batch-predict", allowed: ["model", "entities", "out", "at", "timestamp_column", "partition_by", "threshold", "shards"])
            func required(_ key: String) throws -> String { try options.required(key, in: "batch-predict", at: body).string(key) }
            arguments = ["batch-predict", try required("model"), "--entities", try required("entities"), "--out", try required("out")]
            for (key, flag) in [("at", "--at"), ("timestamp_column", "--timestamp-column"), ("partition_by", "--partition-by")] {
                if let value = options[key] { arguments += [flag, try value.string(key)] }
            }
            if let threshold = options["threshold"] { arguments += ["--threshold", String(try threshold.double("threshold"))] }
            if let value = options["shards"] {
                shards = try value.int("shards")
                guard shards >= 1 else { throw value.fail("shards must be at least 1") }
            }
        case .train:
            let options = try body.mapping("train", allowed: ["config"])
            arguments = ["train", try options.required("config", in: "train", at: body).string("config")]
        case .command:
            arguments = try body.strings("command (the arguments after 'kite', e.g. [models, list])")
            guard let first = arguments.first, !first.hasPrefix("-") else {
                throw body.fail("a command step names a kite subcommand first, e.g. [models, list]")
            }
        }
        func span(_ key: String) throws -> TimeSpan? {
            guard let value = fields[key] else { return nil }
            do { return try TimeSpan(parsing: try value.string(key)) } catch let error as KiteError { throw value.fail(error.message) }
        }
        let retries = try fields["retries"]?.int("retries") ?? 0
        if retries < 0, let value = fields["retries"] { throw value.fail("retries must be 0 or more") }
        return PipelineDefinition.Step(
            name: name, kind: kind, arguments: arguments, shards: shards, dependsOn: try fields["depends_on"]?.strings("depends_on") ?? [],
            retries: retries, retryDelay: try span("retry_delay") ?? TimeSpan(microseconds: 30_000_000), timeout: try span("timeout"))
    }
}
