import Foundation
import Hummingbird
import KiteCore
import NIOCore
import ObjectStorage
import Registry

/// MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/<path>`: PUT uploads, GET downloads, DELETE
/// removes; GET without a path lists `?path=`), as `mlflow server --serve-artifacts` offers it.
enum ArtifactsAPI {
    static let chunk = 4 << 20

    static func register(in routes: APIFamily, artifacts: ArtifactStore) {
        let limit = routes.bodyLimit
        routes.addRaw(.get, "") { request, _ in
            let folder = APIParameters(query: request.uri.query)
            return JSONResponse.make(listing(try await artifacts.list(try folder.string("path") ?? "")))
        }
        routes.addRaw(.put, "**") { request, context in
            let key = try ArtifactStore.key(path(context))
            var sink = try await artifacts.objects.makeSink(for: key)
            do {
                var received = 0
                for try await buffer in request.body {
                    received += buffer.readableBytes
                    guard received <= limit else {
                        throw APIError(status: 413, errorCode: "REQUEST_LIMIT_EXCEEDED", message: "an artifact is limited to \(limit >> 20) MiB")
                    }
                    try await sink.write(Array(buffer.readableBytesView))
                }
                try await sink.commit()
            } catch {
                await sink.abort()
                throw error
            }
            return JSONResponse.make(.object([]))
        }
        routes.addRaw(.get, "**") { _, context in
            let key = try ArtifactStore.key(path(context))
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
        }
        routes.addRaw(.delete, "**") { _, context in
            try await artifacts.objects.delete(try ArtifactStore.key(path(context)))
            return JSONResponse.make(.object([]))
        }
    }

    /// The artifact path below the prefix, percent-decoded.
    static func path(_ context: APIFamily.Context) -> String {
        let raw = context.parameters.getCatchAll().joined(separator: "/")
        return raw.removingPercentEncoding ?? raw
    }

    /// MLflow's `files` listing.
    static func listing(_ entries: [ArtifactStore.Entry]) -> JSONValue {
        .object([
            "files": .array(
                entries.map { entry in
                    .object(["path": .string(entry.path), "is_dir": .bool(entry.isDirectory), "file_size": entry.size.map { .integer(Int64($0)) }])
                })
        ])
    }
}
