import ArgumentParser
import Features
import KiteCore
import Registry

/// `kite models list|show|versions|alias`: the model registry.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List registered models, their versions and aliases; move an alias.",
        subcommands: [List.self, Show.self, Versions.self, Alias.self])

    /// `kite models list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered models with their newest version and aliases.")

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
        static let configuration = CommandConfiguration(abstract: "Show a registered model, its aliases and versions with lineage.")

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
        static let configuration = CommandConfiguration(abstract: "List a model's versions, newest first.")

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
}
