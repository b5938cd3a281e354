import KiteCore
import ObjectStorage

/// Run and model artifacts in the project's artifact store (a local folder or S3), addressed by the paths of
/// `mlflow-artifacts:/` URIs (`1/<run>/artifacts/model/MLmodel`). Paths are checked so no request can reach
/// outside the store.
public struct ArtifactStore: Sendable {
    /// One entry of a listing, relative to the listed folder.
    public struct Entry: Sendable, Hashable {
        public var path: String
        public var isDirectory: Bool
        public var size: Int?
    }

    public let objects: any ObjectStore

    /// Artifacts in `objects`.
    public init(objects: any ObjectStore) { self.objects = objects }

    /// The longest part of an artifact path, in UTF-8 bytes.
    public static let maximumNameBytes = 255
    /// The longest artifact path, in UTF-8 bytes.
    public static let maximumPathBytes = 1024

    /// The object key for an artifact path; empty, absolute, `.`/`..`, backslash or over-long paths are invalid.
    public static func key(_ path: String, allowRoot: Bool = false) throws -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        if trimmed.isEmpty, allowRoot { return "" }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("/"), !trimmed.contains("\\"), !trimmed.contains("\u{0}"),
            parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else {
            throw KiteError.invalidArgument("invalid artifact path '\(path)': it must be relative, without '.', '..' or empty parts")
        }
        // File systems refuse longer names (NAME_MAX, PATH_MAX); refusing them here keeps that a bad request.
        guard parts.allSatisfy({ $0.utf8.count <= maximumNameBytes }), trimmed.utf8.count <= maximumPathBytes else {
            throw KiteError.invalidArgument(
                "artifact path '\(trimmed.prefix(80))…' is too long: each part may have \(maximumNameBytes) bytes, the path \(maximumPathBytes)")
        }
        return trimmed
    }

    /// The artifact path of a `mlflow-artifacts:/…` URI, or nil for other URIs.
    public static func path(ofURI uri: String) -> String? {
        for prefix in ["mlflow-artifacts:/", "mlflow-artifacts:"] where uri.hasPrefix(prefix) {
            var rest = Substring(uri.dropFirst(prefix.count))
            while rest.hasPrefix("/") { rest = rest.dropFirst() }
            return String(rest)
        }
        return nil
    }

    /// The files and folders directly inside `folder` ("" for the root), by name.
    public func list(_ folder: String) async throws -> [Entry] {
        let key = try Self.key(folder, allowRoot: true)
        let prefix = key.isEmpty ? "" : key + "/"
        var entries: [Entry] = []
        for try await entry in objects.list(prefix: prefix, delimiter: "/") {
            switch entry {
            case .object(let info):
                let name = String(info.key.dropFirst(prefix.count))
                if !name.isEmpty { entries.append(Entry(path: name, isDirectory: false, size: info.size)) }
            case .commonPrefix(let sub):
                var name = String(sub.dropFirst(prefix.count))
                if name.hasSuffix("/") { name.removeLast() }
                if !name.isEmpty { entries.append(Entry(path: name, isDirectory: true, size: nil)) }
            }
        }
        return entries.sorted { $0.path < $1.path }
    }
}
