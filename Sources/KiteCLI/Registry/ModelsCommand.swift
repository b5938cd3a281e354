import ArgumentParser
import Features
import Foundation
import KiteCore
import Learning
import Parquet
import Registry
import Training

/// `kite models list|show|versions|alias|import`: the model registry.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List registered models, their versions and aliases; move an alias; import LightGBM and XGBoost models.",
        subcommands: [List.self, Show.self, Versions.self, Alias.self, Import.self])

    /// `kite models list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List registered models with their newest version and aliases.")

        @OptionGroup var options: ProjectOptions
        @Option(help: "An MLflow filter, e.g. \"name LIKE 'fraud%'\".") var filter: String = ""

        func run() async throws {
            let filter = filter
            let rows = try await options.withRegistry(try options.configuration()) { store in
                let models = try await store.searchRegisteredModels(filter: filter, maxResults: 1000).items
                var rows: [[String]] = []
                for model in models {
                    let newest = try await store.modelVersions(name: model.name).first
                    rows.append([
                        model.name, newest.map { String($0.version) } ?? "-",
                        model.aliases.sorted { $0.key < $1.key }.map { "\($0.key)→v\($0.value)" }.joined(separator: " "),
                        Timestamp.format(model.lastUpdatedTime),
                    ])
                }
                return rows
            }
            Terminal.standardOutput(TableFormatter.render(headers: [["name", "latest", "aliases", "updated"]], rows: rows))
        }
    }

    /// `kite models show NAME`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a registered model, its aliases and versions with lineage.")

        @OptionGroup var options: ProjectOptions
        @Argument(help: "The registered model's name.") var name: String

        func run() async throws {
            let name = name
            let (model, versions) = try await options.withRegistry(try options.configuration()) { store in
                (try await store.registeredModel(name: name), try await store.modelVersions(name: name))
            }
            var out = "model \(model.name)\n"
            if !model.description.isEmpty { out += "  description: \(model.description)\n" }
            for (key, value) in model.tags.sorted(by: { $0.key < $1.key }) { out += "  tag \(key) = \(value)\n" }
            for (alias, version) in model.aliases.sorted(by: { $0.key < $1.key }) { out += "  alias \(alias) → version \(version)\n" }
            for version in versions {
                out += "  version \(version.version): \(version.status), source \(version.source)\n"
                if let run = version.runID { out += "    run: \(run)\n" }
                if let service = version.featureService { out += "    feature service: \(service)\n" }
                if let training = version.trainingSet { out += "    training set: \(training)\n" }
            }
            Terminal.standardOutput(out)
        }
    }

    /// `kite models versions NAME`.
    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "versions", abstract: "List a model's versions, newest first.")

        @OptionGroup var options: ProjectOptions
        @Argument(help: "The registered model's name.") var name: String

        func run() async throws {
            let name = name
            let versions = try await options.withRegistry(try options.configuration()) { try await $0.modelVersions(name: name) }
            let rows = versions.map { version in
                [
                    String(version.version), version.aliases.joined(separator: " "), version.currentStage, version.runID ?? "",
                    Timestamp.format(version.creationTime), version.source,
                ]
            }
            Terminal.standardOutput(TableFormatter.render(headers: [["version", "aliases", "stage", "run", "created", "source"]], rows: rows))
        }
    }

    /// `kite models alias NAME VERSION ALIAS`.
    struct Alias: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "alias",
            abstract: "Point an alias (such as champion) at a version, moving it from wherever it pointed.",
            discussion: "Serving and mlflow.pyfunc.load_model(\"models:/NAME@ALIAS\") follow the alias. 'latest' and v<number> are reserved.")

        @OptionGroup var options: ProjectOptions
        @Argument(help: "The registered model's name.") var name: String
        @Argument(help: "The version number.") var version: String
        @Argument(help: "The alias, e.g. champion.") var alias: String
        @Flag(help: "Remove the alias instead of setting it (VERSION is ignored).") var delete = false

        func run() async throws {
            let (name, version, alias, delete) = (name, version, alias, delete)
            try await options.withRegistry(try options.configuration()) { store in
                if delete {
                    try await store.deleteAlias(name: name, alias: alias)
                    Terminal.standardOutput("removed alias \(alias) of \(name)\n")
                } else {
                    let previous = try? await store.modelVersion(name: name, alias: alias)
                    try await store.setAlias(name: name, alias: alias, version: version)
                    let from = previous.map { " (was version \($0.version))" } ?? ""
                    Terminal.standardOutput("\(name)@\(alias) → version \(version)\(from)\n")
                }
            }
        }
    }

    /// `kite models import FILE --name NAME`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Register a LightGBM or XGBoost model as a new version, converted exactly to Kite's model file.",
            discussion: """
                FILE is a LightGBM text model (Booster.save_model("model.txt")) or an XGBoost JSON model \
                (Booster.save_model("model.json")). Kite predicts what the library predicts (to 1e-12) and explains each \
                prediction; a model it cannot represent exactly (linear trees, zero_as_missing, XGBoost categorical splits, \
                other objectives) is refused with the reason. The run keeps the original file next to the converted one.

                The inputs are the model's feature names (XGBoost's f0, f1, … when it has none), float64, or int64 for \
                LightGBM's categorical features (category codes), or strings for a LightGBM model trained on pandas \
                category columns (encoded to pandas' codes). --signature names them instead, in the model's order: \
                "amount:float64,merchant:int64,…" (a name without a type is float64).
                """)

        @OptionGroup var options: ProjectOptions
        @Argument(help: "The model file: LightGBM text (model.txt) or XGBoost JSON (model.json).") var file: String
        @Option(help: "The registered model to add the version to (created if needed).") var name: String
        @Option(help: "Point this alias (e.g. champion) at the new version.") var alias: String?
        @Option(help: "The experiment to record the run in (default: the project's name).") var experiment: String?
        @Option(help: "The inputs' names and types in the model's feature order: \"name:type,…\".") var signature: String?
        @Option(help: "What the model predicts (the label's name, recorded in the signature).") var label = "label"
        @Option(
            help:
                "A Parquet file (path or s3://) of rows with the model's inputs (and the label, if known): scored as the model's monitoring reference, with its global importance."
        ) var reference: String?

        func run() async throws {
            let project = try options.configuration()
            guard let bytes = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file): give the path of a LightGBM model.txt or an XGBoost model.json")
            }
            let job = ModelImport(
                name: name, alias: alias, experiment: experiment ?? project.project, inputs: try signature.map(Self.inputs), label: label)
            let (file, options, reference) = (file, options, reference)
            let result = try await StoragePath.withS3 { s3 in
                var job = job
                if let reference { job.reference = try await ParquetReader(source: try await StoragePath.source(reference, s3: s3)).read() }
                let artifacts = try options.artifactStore(project, s3: s3)
                return try await options.withRegistry(project) { [job] in try await job.run(path: file, bytes: bytes, registry: $0, artifacts: artifacts) }
            }
            var out =
                "imported \(result.library) \(result.objective) model (\(result.task.rawValue), \(result.trees) trees, \(result.features.count) features)\n"
            out += "  registered \(name) version \(result.version)\(alias.map { " (alias \($0))" } ?? "")\n"
            out += "  run \(result.runID)\n  inputs: \(result.features.joined(separator: ", "))\n"
            if let reference { out += "  reference: the rows of \(reference), scored (monitoring's baseline and the model page's global importance)\n" }
            Terminal.standardOutput(out)
        }

        /// `name:type,…` as signature inputs.
        static func inputs(_ text: String) throws -> [ModelFile.Signature.Input] {
            try text.split(separator: ",").map { item in
                let parts = item.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard let name = parts.first, !name.isEmpty else { throw ValidationError("--signature has an empty input name in '\(text)'") }
                guard parts.count == 2 else { return ModelFile.Signature.Input(name: name, type: .float64, nullable: true) }
                return ModelFile.Signature.Input(name: name, type: try DataType(name: parts[1]), nullable: true)
            }
        }
    }
}
