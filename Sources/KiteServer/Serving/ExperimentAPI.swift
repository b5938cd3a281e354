import ABTesting
import Foundation
import HTTPTypes
import KiteCore
import ObjectStorage
import Registry
import Serving

/// A/B tests over HTTP: `GET|POST /v1/experiments`, `GET /v1/experiments/{key}`, `POST …/start|stop`,
/// `GET …/results`, and `POST /v1/outcomes`.
public enum ExperimentAPI {
    static func register(in routes: APIFamily, registry: RegistryStore, offline: (any ObjectStore)?) {
        let store = ExperimentStore(registry: registry)
        routes.add(.get, "v1/experiments") { _ in .object([("experiments", .array(try await store.experiments().map(json)))]) }
        routes.add(.post, "v1/experiments") { call in
            let experiment = try definition(call.parameters)
            try await ModelLoader.checkVersions(of: experiment, registry: registry)
            try await store.save(experiment)
            return json(experiment)
        }
        routes.add(.get, "v1/experiments/{key}") { call in json(try await store.experiment(key: call.capture("key"))) }
        routes.add(.post, "v1/experiments/{key}/start") { call in json(try await store.setStatus(key: call.capture("key"), .running)) }
        routes.add(.post, "v1/experiments/{key}/stop") { call in json(try await store.setStatus(key: call.capture("key"), .stopped)) }
        routes.add(.get, "v1/experiments/{key}/results") { call in
            guard let offline else { throw KiteError.unsupported("this server has no offline store to read the prediction log and outcomes from") }
            let experiment = try await store.experiment(key: call.capture("key"))
            let sequential = try call.parameters.bool("sequential") ?? false
            let analysis = try await ExperimentData.analyze(
                experiment, store: offline, frequentist: FrequentistTest(sequentialTuning: sequential ? 5_000 : nil))
            return results(of: experiment, analysis)
        }
        routes.add(.post, "v1/outcomes") { call in
            guard let offline else { throw KiteError.unsupported("this server has no offline store to keep outcomes in") }
            let experiment = try await store.experiment(key: try call.parameters.required("experiment"))
            let columns = try call.parameters.json("outcomes")?.columns(at: "outcomes") ?? []
            guard !columns.isEmpty else { throw KiteError.invalidArgument("give 'outcomes': {\"\(experiment.unit)\": […], \"metric\": […], \"value\": […]}") }
            let frame = try DataFrame(
                try columns.map { name, values in
                    let type: DataType =
                        name == "metric"
                        ? .string : name == "value" ? .float64 : values.contains { if case .string = $0 { true } else { false } } ? .string : .int64
                    do { return (name, try DataColumn(scalars: values, type: type)) } catch let error as KiteError {
                        throw KiteError.invalidArgument("outcomes.\(name): \(error.message)")
                    }
                })
            let key = try await ExperimentData.appendOutcomes(frame, experiment: experiment, store: offline, now: registry.clock.now())
            return .object([("stored", .integer(Int64(frame.rowCount))), ("file", .string(key))])
        }
    }

    static func json(_ experiment: ExperimentDefinition) -> JSONValue {
        .object([
            ("key", .string(experiment.key)), ("model", .string(experiment.model)), ("unit", .string(experiment.unit)),
            ("status", .string(experiment.status.rawValue)), ("seed", .string(experiment.seed)), ("hash_version", .integer(Int64(experiment.hashVersion))),
            ("coverage", .number(experiment.coverage)),
            (
                "variants",
                .array(experiment.variants.map { .object([("name", .string($0.name)), ("model", .string($0.model)), ("weight", .number($0.weight))]) })
            ),
            ("metrics", .array(experiment.metrics.map(JSONValue.string))), ("shadows", .array(experiment.shadows.map(JSONValue.string))),
            (
                "ramp",
                .array(
                    experiment.ramp.map {
                        .object([("after", .string(TimeSpan(microseconds: $0.after).description)), ("weights", .array($0.weights.map(JSONValue.number)))])
                    })
            ),
            ("started_at", experiment.startedAt.map { JSONValue.string(Timestamp.format($0)) } ?? .null),
        ])
    }

    static func definition(_ p: APIParameters) throws -> ExperimentDefinition {
        let variants = try p.objects("variants").enumerated().map { index, variant in
            ExperimentDefinition.Variant(
                name: try variant.required("name"), model: try variant.required("model"),
                weight: try variant.number("weight") ?? { throw KiteError.invalidArgument("variants[\(index)] needs a 'weight'") }())
        }
        let status = try p.string("status").map { text in
            guard let status = ExperimentDefinition.Status(rawValue: text) else {
                throw KiteError.invalidArgument(
                    "status must be one of \(ExperimentDefinition.Status.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
            }
            return status
        }
        let ramp = try p.objects("ramp").enumerated().map { index, step in
            ExperimentDefinition.RampStep(
                after: try TimeSpan(parsing: try step.required("after")).microseconds,
                weights: try
                    (step.json("weights").flatMap { value -> [Double]? in
                        guard case .array(let items) = value else { return nil }
                        return try items.map { item in
                            switch item {
                            case .number(let number): number
                            case .integer(let number): Double(number)
                            default: throw KiteError.invalidArgument("ramp[\(index)].weights must be numbers")
                            }
                        }
                    }) ?? { throw KiteError.invalidArgument("ramp[\(index)] needs 'weights'") }())
        }
        return try ExperimentDefinition(
            key: try p.required("key"), model: try p.required("model"), variants: variants, unit: try p.required("unit"), seed: try p.string("seed"),
            hashVersion: Int(try p.integer("hash_version") ?? 2), coverage: try p.number("coverage") ?? 1, status: status ?? .draft,
            metrics: try p.strings("metrics"), shadows: try p.strings("shadows"), ramp: ramp)
    }

    /// The results document of `GET /v1/experiments/{key}/results` (and `kite ab status --json`).
    public static func results(of experiment: ExperimentDefinition, _ analysis: ExperimentAnalysis) -> JSONValue {
        .object([
            ("experiment", .string(experiment.key)), ("status", .string(experiment.status.rawValue)),
            ("units", .object(zip(experiment.variants, analysis.units).map { ($0.name, JSONValue.integer(Int64($1))) })),
            ("sample_ratio_p_value", .number(analysis.sampleRatioPValue)), ("sample_ratio_mismatch", .bool(analysis.sampleRatioMismatch)),
            (
                "metrics",
                .array(
                    analysis.metrics.map { name, results in
                        var pairs: [(String, JSONValue)] = [("metric", .string(name)), ("variants", .array(results.rows.map(rowJSON)))]
                        if let quality = analysis.quality[name] { pairs.append(("model_quality", .array(quality.map(qualityJSON)))) }
                        return .object(pairs)
                    })
            ),
        ])
    }

    static func qualityJSON(_ quality: ExperimentAnalysis.ModelQuality) -> JSONValue {
        .object([
            ("variant", .string(quality.variant)), ("labelled", .integer(Int64(quality.labelled))),
            ("auc", quality.auc.map(JSONValue.number) ?? .null), ("log_loss", quality.logLoss.map(JSONValue.number) ?? .null),
        ])
    }

    static func rowJSON(_ row: ExperimentResults.Row) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("variant", .string(row.variant)), ("units", .integer(Int64(row.units))), ("mean", .number(row.mean)), ("variance", .number(row.variance)),
        ]
        if let f = row.frequentist {
            pairs.append(
                (
                    "frequentist",
                    .object([
                        ("lift", .number(f.expected)), ("ci", .array([.number(f.confidenceInterval.lower), .number(f.confidenceInterval.upper)])),
                        ("p_value", .number(f.pValue)), ("error", f.error.map(JSONValue.string) ?? .null),
                    ])
                ))
        }
        if let b = row.bayesian {
            pairs.append(
                (
                    "bayesian",
                    .object([
                        ("chance_to_win", .number(b.chanceToWin)), ("expected", .number(b.expected)),
                        ("ci", .array([.number(b.credibleInterval.lower), .number(b.credibleInterval.upper)])),
                        ("risk", .array([.number(b.risk.control), .number(b.risk.variant)])), ("error", b.error.map(JSONValue.string) ?? .null),
                    ])
                ))
        }
        return .object(pairs)
    }
}
