import ABTesting
import Features
import Foundation
import KiteCore

/// An experiment file (`experiments/NAME.yaml`) read into a definition, each mistake reported with its file and line.
enum ExperimentFile {
    static func load(path: String) throws -> ExperimentDefinition {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw KiteError(.notFound, "cannot read the experiment file \(path): \(error.localizedDescription)")
        }
        guard let root = try YAMLValue.parse(text, file: path) else { throw KiteError.invalidArgument("\(path) is empty") }
        let map = try root.mapping(
            "the experiment", allowed: ["key", "model", "unit", "variants", "seed", "hash_version", "coverage", "metrics", "shadows", "status", "ramp"])
        func required(_ key: String) throws -> YAMLValue { try map.required(key, in: "the experiment", at: root) }
        let variants = try required("variants").sequence("variants").map { item -> ExperimentDefinition.Variant in
            let fields = try item.mapping("a variant", allowed: ["name", "model", "weight"])
            return ExperimentDefinition.Variant(
                name: try fields.required("name", in: "a variant", at: item).string("a variant's name"),
                model: try fields.required("model", in: "a variant", at: item).string("a variant's model (vN or an alias)"),
                weight: try fields.required("weight", in: "a variant", at: item).double("a variant's weight"))
        }
        let ramp =
            try map["ramp"]?.sequence("ramp").map { item -> ExperimentDefinition.RampStep in
                let fields = try item.mapping("a ramp step", allowed: ["after", "weights"])
                let after = try fields.required("after", in: "a ramp step", at: item)
                let span: TimeSpan
                do { span = try TimeSpan(parsing: try after.string("a ramp step's after")) } catch let error as KiteError { throw after.fail(error.message) }
                let weights = try fields.required("weights", in: "a ramp step", at: item).sequence("weights").map { try $0.double("a weight") }
                return ExperimentDefinition.RampStep(after: span.microseconds, weights: weights)
            } ?? []
        var status = ExperimentDefinition.Status.draft
        if let value = map["status"] {
            let text = try value.string("status")
            guard let parsed = ExperimentDefinition.Status(rawValue: text) else {
                throw value.fail("status must be one of \(ExperimentDefinition.Status.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
            }
            status = parsed
        }
        do {
            return try ExperimentDefinition(
                key: try required("key").string("key"), model: try required("model").string("model"), variants: variants,
                unit: try required("unit").string("unit"), seed: try map["seed"]?.string("seed"),
                hashVersion: try map["hash_version"]?.int("hash_version") ?? 2,
                coverage: try map["coverage"]?.double("coverage") ?? 1, status: status, metrics: try map["metrics"]?.strings("metrics") ?? [],
                shadows: try map["shadows"]?.strings("shadows") ?? [], ramp: ramp)
        } catch let error as KiteError where error.code == .invalidArgument {
            throw KiteError.invalidArgument("\(root.location): \(error.message)")
        }
    }
}
