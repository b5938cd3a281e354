import ABTesting
import Foundation
import KiteCore
import Learning
import ObjectStorage
import Registry

/// Finds the Kite model file of a registered model version: its source (or its logged model's artifact location)
/// names a folder of the project's artifact store that holds `model.json`.
public enum ModelLoader {
    /// The version `tag` of `name`: `vN` for version N, `latest` for the newest version, anything else an
    /// alias. A model that does not exist is reported as such, not as a missing version.
    public static func version(name: String, tag: String, registry: RegistryStore) async throws -> ModelVersion {
        _ = try await registry.registeredModel(name: name)
        if tag.hasPrefix("v"), tag.count > 1, tag.dropFirst().allSatisfy(\.isNumber) {
            return try await registry.modelVersion(name: name, version: String(tag.dropFirst()))
        }
        if tag == "latest" {
            guard let newest = try await registry.modelVersions(name: name).first else {
                throw KiteError(.notFound, "registered model '\(name)' has no versions yet")
            }
            return newest
        }
        return try await registry.modelVersion(name: name, alias: tag)
    }

    /// The version a reference `NAME@ALIAS`, `NAME@vN` or `NAME@latest` names.
    public static func version(reference: String, registry: RegistryStore) async throws -> ModelVersion {
        guard let at = reference.lastIndex(of: "@"), at != reference.startIndex, reference.index(after: at) != reference.endIndex else {
            throw KiteError.invalidArgument("'\(reference)' is not NAME@ALIAS, NAME@vN or NAME@latest")
        }
        return try await version(name: String(reference[..<at]), tag: String(reference[reference.index(after: at)...]), registry: registry)
    }

    /// Checks that every variant and shadow of `experiment` names a version of its model (`not_found` otherwise).
    public static func checkVersions(of experiment: ExperimentDefinition, registry: RegistryStore) async throws {
        for tag in experiment.variants.map(\.model) + experiment.shadows {
            _ = try await version(name: experiment.model, tag: tag, registry: registry)
        }
    }

    /// The model file of `version` (`reference` names it in errors).
    public static func model(of version: ModelVersion, reference: String, registry: RegistryStore, artifacts: ArtifactStore) async throws -> ModelFile {
        var location = version.source
        if location.hasPrefix("models:/"), let modelID = version.modelID {
            location = try await registry.loggedModel(id: modelID).artifactLocation
        }
        guard let folder = ArtifactStore.path(ofURI: location) else {
            throw KiteError.unsupported("\(reference) is stored at '\(location)', outside the project's artifact store")
        }
        let bytes: [UInt8]
        do { bytes = try await artifacts.objects.get(folder + "/model.json") } catch let error as KiteError where error.code == .notFound {
            throw KiteError(.notFound, "\(reference) (version \(version.version)) has no Kite model file (model.json) in \(location)")
        }
        return try ModelFile.decode(Data(bytes), source: reference)
    }
}
