import Foundation
import KiteCore
import Registry

extension ProjectConfiguration {
    /// The feature definitions as last applied (`kite apply`) to `registry`, parsed and validated, with their
    /// version; an error telling to run `kite apply` if nothing is applied yet.
    public func appliedDefinitions(registry: RegistryStore) async throws -> (FeatureDefinitions, FeatureDefinitionVersion) {
        let version = try await appliedVersion(registry: registry)
        return (try definitions(of: version), version)
    }

    /// The definitions version last applied to `registry`, unparsed; an error telling to run `kite apply` if
    /// nothing is applied yet.
    public func appliedVersion(registry: RegistryStore) async throws -> FeatureDefinitionVersion {
        guard let version = try await registry.latestFeatureDefinitions() else {
            throw KiteError(.notFound, "no definitions are applied in \(folder): run 'kite apply' first")
        }
        return version
    }

    /// The definitions of applied `version`, parsed and validated.
    public func definitions(of version: FeatureDefinitionVersion) throws -> FeatureDefinitions {
        var definitions = FeatureDefinitions()
        for name in version.files.keys.sorted() {
            definitions.merge(try FeatureDefinitions.parse(yaml: version.files[name] ?? "", file: name))
        }
        try definitions.validate()
        return definitions
    }

    /// The definition files as they are on disk (`features/NAME.yaml` → text), as `kite apply` records them.
    public func definitionFiles() throws -> [String: String] {
        var files: [String: String] = [:]
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: definitionsFolder)
        } catch {
            throw KiteError(.notFound, "no features/ folder in \(folder): definitions live in features/*.yaml")
        }
        for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            guard let text = try? String(contentsOfFile: definitionsFolder + "/" + name, encoding: .utf8) else {
                throw KiteError(.io, "cannot read \(definitionsFolder)/\(name) as UTF-8 text")
            }
            files["features/" + name] = text
        }
        return files
    }

    /// The definition files that differ from `version` (changed, added or removed since that `kite apply`),
    /// sorted; empty when the folder cannot be read.
    public func definitionFilesChanged(since version: FeatureDefinitionVersion) -> [String] {
        guard let current = try? definitionFiles() else { return [] }
        return Set(current.keys).union(version.files.keys).filter { current[$0] != version.files[$0] }.sorted()
    }
}
