import ABTesting
import Features
import Foundation
import KiteCore
import Learning
import ObjectStorage
import Registry

/// Finds the Kite model file of a registered model version: its source (or its logged model's artifact location)
/// names a folder of the project's artifact store that holds `model.json` — or an MLflow model of the `lightgbm`
/// or `xgboost` flavor (`mlflow.lightgbm.log_model`, `mlflow.xgboost.log_model`), converted as `kite models
/// import` converts it.
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
        if let imported = try await flavoredModel(folder, reference: reference, artifacts: artifacts) { return imported }
        let bytes: [UInt8]
        do { bytes = try await artifacts.objects.get(folder + "/model.json") } catch let error as KiteError where error.code == .notFound {
            throw KiteError(.notFound, "\(reference) (version \(version.version)) has no Kite model file (model.json) in \(location)")
        }
        return try ModelFile.decode(Data(bytes), source: reference)
    }

    /// The model of an MLflow model folder whose `MLmodel` has a `lightgbm` or `xgboost` flavor, converted; nil
    /// for a folder without `MLmodel` or without those flavors.
    static func flavoredModel(_ folder: String, reference: String, artifacts: ArtifactStore) async throws -> ModelFile? {
        let description: [UInt8]
        do { description = try await artifacts.objects.get(folder + "/MLmodel") } catch let error as KiteError where error.code == .notFound {
            return nil
        }
        guard let root = try YAMLValue.parse(String(decoding: description, as: UTF8.self), file: reference + " MLmodel"),
            let flavors = try root.pairs("MLmodel").first(where: { $0.key == "flavors" })?.value
        else { return nil }
        for (name, flavor) in try flavors.pairs("flavors") where name == "lightgbm" || name == "xgboost" {
            let fields = try flavor.pairs(name)
            let data = try fields.first { $0.key == "data" }?.value.string("data") ?? ""
            let modelClass = try fields.first { $0.key == "model_class" }?.value.string("model_class") ?? ""
            guard modelClass.hasSuffix(".Booster") || modelClass.isEmpty else {
                throw KiteError.unsupported(
                    "\(reference) is a \(modelClass) logged with mlflow.\(name); Kite reads Booster models: log model.booster_ (LightGBM) or model.get_booster() (XGBoost)"
                )
            }
            guard !data.isEmpty, !data.contains(".."), !data.hasPrefix("/") else {
                throw KiteError.corrupt("\(reference): the \(name) flavor names no data file")
            }
            let bytes = try await artifacts.objects.get(folder + "/" + data)
            return try ImportedModel.read(Data(bytes), source: "\(reference) (\(data))").modelFile()
        }
        return nil
    }
}
