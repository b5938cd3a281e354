import HTTPTypes
import KiteCore
import Registry

/// The tracking API's artifact listings: `artifacts/list` (a run's files) and a logged model's directories.
enum MLflowArtifactListing {
    static func register(in routes: APIFamily, store: RegistryStore, artifacts: ArtifactStore) {
        routes.add(.get, "artifacts/list") { call in
            let p = call.parameters
            let run = try await store.run(id: try p.required("run_id", or: "run_uuid"))
            return try await listing(root: run.artifactURI, path: try p.string("path") ?? "", artifacts: artifacts)
        }
        routes.add(.get, "logged-models/{model_id}/artifacts/directories") { call in
            let model = try await store.loggedModel(id: call.capture("model_id"))
            return try await listing(root: model.artifactLocation, path: try call.parameters.string("artifact_directory_path") ?? "", artifacts: artifacts)
        }
    }

    /// The entries of `path` under `root`, with paths relative to `root` as MLflow lists them.
    static func listing(root: String, path: String, artifacts: ArtifactStore) async throws -> JSONValue {
        guard let base = ArtifactStore.path(ofURI: root) else {
            throw KiteError.unsupported("artifacts at '\(root)' are not served by this server")
        }
        let relative = path.isEmpty ? "" : try ArtifactStore.key(path)
        let folder = relative.isEmpty ? base : base + "/" + relative
        let entries = try await artifacts.list(folder)
        return .object([
            "root_uri": .string(root),
            "files": .array(
                entries.map { entry in
                    .object([
                        "path": .string(relative.isEmpty ? entry.path : relative + "/" + entry.path), "is_dir": .bool(entry.isDirectory),
                        "file_size": entry.size.map { .integer(Int64($0)) },
                    ])
                }),
        ])
    }
}
