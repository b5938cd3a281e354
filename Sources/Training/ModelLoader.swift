import Foundation
import KiteCore
import Learning
import ObjectStorage
import Registry

/// Finds the Kite model file of a registered model version: its source (or its logged model's artifact location)
/// names a folder of the project's artifact store that holds `model.json`.
public enum ModelLoader {
    /// The version `tag` of `name`: `vN` for version N, anything else an alias.
    public static func version(name: String, tag: String, registry: RegistryStore) async throws -> ModelVersion {
        if tag.hasPrefix("v"), tag.count > 1, tag.dropFirst().allSatisfy(\.isNumber) {
            return try await registry.modelVersion(name: name, version: String(tag.dropFirst()))
        }
        return try await registry.modelVersion(name: name, alias: tag)
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
