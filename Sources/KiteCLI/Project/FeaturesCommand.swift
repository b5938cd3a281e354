import ArgumentParser
import Features
import KiteCore
import Registry

/// `kite features list|describe|online`.
struct FeaturesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Show the registered entities, feature views and services.",
        subcommands: [List.self, Describe.self, Online.self]
    )

    /// `kite features list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List what the applied definitions declare.")

        @OptionGroup var options: ProjectOptions

        func run() async throws {
            let (definitions, version) = try await options.appliedDefinitions(try options.configuration())
            var out = "definitions version \(version.number), applied \(Timestamp.format(version.appliedAt))\n"
            for entity in definitions.entities {
                out += "entity          \(entity.name)  keys: \(entity.joinKeys.joined(separator: ", "))\n"
            }
            for view in definitions.featureViews {
                out += "feature view    \(view.name)  \(view.schema.count) features, ttl \(view.ttl), source \(view.source)\n"
            }
            for view in definitions.onDemandViews {
                out += "on-demand view  \(view.name)  \(view.features.count) features\n"
            }
            for service in definitions.featureServices {
                out += "service         \(service.name)  \(service.features.map(\.description).joined(separator: ", "))\n"
            }
            Terminal.standardOutput(out)
        }
    }

    /// `kite features describe NAME`.
    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "describe", abstract: "Describe one entity, view or service.")

        @OptionGroup var options: ProjectOptions

        @Argument(help: "The name of an entity, feature view, on-demand view or feature service.")
        var name: String

        func run() async throws {
            let (definitions, _) = try await options.appliedDefinitions(try options.configuration())
            var out = ""
            if let view = definitions.featureViews.first(where: { $0.name == name }) {
                out += "feature view \(view.name) (\(view.location))\n  entities: \(view.entities.joined(separator: ", "))\n"
                out += "  source: \(view.source)\n  ttl: \(view.ttl)\n  online: \(view.online)\n"
                if !view.owner.isEmpty { out += "  owner: \(view.owner)\n" }
                if !view.description.isEmpty { out += "  description: \(view.description)\n" }
                for (key, value) in view.tags.sorted(by: { $0.key < $1.key }) { out += "  tag \(key): \(value)\n" }
                for field in view.schema { out += "  feature \(field.name): \(field.type)\n" }
            } else if let view = definitions.onDemandViews.first(where: { $0.name == name }) {
                out += "on-demand view \(view.name) (\(view.location))\n  sources: \(view.sources.joined(separator: ", "))\n"
                for field in view.request { out += "  request \(field.name): \(field.type)\n" }
                for feature in view.features { out += "  feature \(feature.name): \(feature.type) = \(feature.expression)\n" }
            } else if let entity = definitions.entities.first(where: { $0.name == name }) {
                out +=
                    "entity \(entity.name) (\(entity.location))\n  join keys: \(entity.joinKeys.joined(separator: ", "))\n  value type: \(entity.valueType)\n"
            } else if let service = definitions.featureServices.first(where: { $0.name == name }) {
                out += "feature service \(service.name) (\(service.location))\n"
                for reference in service.features { out += "  \(reference)\n" }
            } else {
                throw KiteError(.notFound, "nothing named '\(name)' is registered; see 'kite features list'")
            }
            Terminal.standardOutput(out)
        }
    }

    /// `kite features online`: what the online store holds per view and each view's last materialized window.
    struct Online: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "online",
            abstract: "Show the online store: entities stored per view, its size, and each view's last materialized window.")

        @OptionGroup var options: ProjectOptions

        func run() async throws {
            let configuration = try options.configuration()
            let (definitions, _) = try await options.appliedDefinitions(configuration)
            let windows = try await options.withRegistry(configuration) { try await $0.materializations() }
            let statistics = try await options.withOnlineStore(configuration) { try await $0.statistics() }
            var rows: [[String]] = []
            for view in definitions.featureViews {
                let last = windows.first { $0.view == view.name }
                rows.append([
                    view.name, view.online ? "yes" : "no", String(statistics.rows[view.name] ?? 0),
                    last.map { Timestamp.format($0.start) } ?? "never", last.map { Timestamp.format($0.end) } ?? "",
                ])
            }
            var out = "online store \(configuration.onlineStore)"
            if let bytes = statistics.bytes { out += ", \(bytes / 1024) KiB" }
            out += "\n" + TableFormatter.render(headers: [["view", "online", "entities", "materialized from", "to"]], rows: rows)
            Terminal.standardOutput(out)
        }
    }
}
