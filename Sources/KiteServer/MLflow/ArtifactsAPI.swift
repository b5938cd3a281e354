import Hummingbird
import KiteCore
import NIOCore
import ObjectStorage
import Registry

/// MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/<path>`: PUT uploads, GET downloads, DELETE
/// removes; GET without a path lists `?path=`), as `mlflow server --serve-artifacts` offers it.
struct ArtifactsAPI: Sendable {
    let artifacts: ArtifactStore
    static let chunk = 4 << 20

    func respond(method: HTTPRequest.Method, path: String, request: Request) async throws -> Response {
        switch (method, path.isEmpty) {
        case (.get, true):
            let folder = APIParameters(query: request.uri.query)
            return JSONResponse.make(listing(try await artifacts.list(try folder.string("path") ?? "")))
        case (.put, false):
            let key = try ArtifactStore.key(path)
            var sink = try await artifacts.objects.makeSink(for: key)
            do {
                for try await buffer in request.body {
                    try await sink.write(Array(buffer.readableBytesView))
                }
                try await sink.commit()
            } catch {
                await sink.abort()
                throw error
            }
            return JSONResponse.make(.object([]))
        case (.get, false):
            let key = try ArtifactStore.key(path)
            let info = try await artifacts.objects.head(key)
            let objects = artifacts.objects
            let body = ResponseBody(contentLength: info.size) { writer in
                var offset = 0
                while offset < info.size {
                    let end = min(offset + Self.chunk, info.size)
                    try await writer.write(ByteBuffer(bytes: try await objects.get(key, range: offset..<end)))
                    offset = end
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
        case (.delete, false):
            try await artifacts.objects.delete(try ArtifactStore.key(path))
            return JSONResponse.make(.object([]))
        default:
            throw KiteError.invalidArgument("\(method) is not an artifact operation here: PUT, GET or DELETE a path, or GET the listing")
        }
    }

    /// MLflow's `files` listing.
    func listing(_ entries: [ArtifactStore.Entry]) -> JSONValue {
        .object(["files": .array(entries.map { entry in
            .object(["path": .string(entry.path), "is_dir": .bool(entry.isDirectory), "file_size": entry.size.map { .integer(Int64($0)) }])
        })])
    }
}
