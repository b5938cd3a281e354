import Foundation
import Hummingbird
import KiteCore
import Logging
import NIOCore
import Registry

/// `kite server`: the MLflow-compatible tracking and registry API and artifact proxy over one registry store,
/// logging one line per request and stopping cleanly on SIGTERM or SIGINT.
public struct KiteHTTPServer: Sendable {
    let responder: APIResponder
    let host: String
    let port: Int
    let logger: Logger

    /// A server for `store` and `artifacts` on `host:port` (port 0 picks a free one).
    public init(store: RegistryStore, artifacts: ArtifactStore, host: String = "127.0.0.1", port: Int = 5000, logger: Logger) {
        var table = RouteTable()
        MLflowTrackingAPI.register(in: &table, store: store)
        MLflowRegistryAPI.register(in: &table, store: store)
        MLflowArtifactListing.register(in: &table, store: store, artifacts: artifacts)
        responder = APIResponder(routes: table, artifacts: ArtifactsAPI(artifacts: artifacts), logger: logger)
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// The Hummingbird application (for tests, which drive it without a socket).
    public func application(onListening: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            responder: responder, configuration: .init(address: .hostname(host, port: port), serverName: "kite"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    /// Serves until SIGTERM or SIGINT; `onListening` gets the bound port.
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        try await application(onListening: onListening).runService()
    }
}

/// Routes a request to the JSON API, the artifact proxy or a health check; every error becomes MLflow's JSON
/// error answer with a 4xx status for bad input.
struct APIResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let routes: RouteTable
    let artifacts: ArtifactsAPI
    let logger: Logger
    static let apiPrefixes = ["/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"]
    static let artifactPrefixes = ["/api/2.0/mlflow-artifacts/artifacts", "/ajax-api/2.0/mlflow-artifacts/artifacts"]
    static let maximumBody = 64 << 20

    func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        let response: Response
        do {
            response = try await route(request, path: path)
        } catch {
            let answer = APIError(error)
            if answer.status >= 500 { logger.error("\(request.method) \(path): \(answer.message)") }
            response = JSONResponse.error(answer)
        }
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        logger.info("\(request.method) \(path) \(response.status.code) \(String(format: "%.2f", milliseconds)) ms")
        return response
    }

    private func route(_ request: Request, path: String) async throws -> Response {
        if let prefix = Self.artifactPrefixes.first(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            var rest = String(path.dropFirst(prefix.count))
            if rest.hasPrefix("/") { rest.removeFirst() }
            return try await artifacts.respond(method: request.method, path: rest.removingPercentEncoding ?? rest, request: request)
        }
        if let prefix = Self.apiPrefixes.first(where: { path.hasPrefix($0) }) {
            let endpoint = String(path.dropFirst(prefix.count))
            guard let (handler, captures) = routes.match(request.method.rawValue, endpoint) else {
                if routes.knows(endpoint) {
                    return JSONResponse.error(APIError(status: 405, errorCode: "BAD_REQUEST", message: "\(request.method) is not allowed on \(path)"))
                }
                return JSONResponse.error(APIError(status: 404, errorCode: "ENDPOINT_NOT_FOUND", message: "no MLflow endpoint \(request.method) \(path)"))
            }
            let parameters: APIParameters
            if request.method == .get {
                parameters = APIParameters(query: request.uri.query)
            } else {
                let body: ByteBuffer
                do {
                    body = try await request.body.collect(upTo: Self.maximumBody)
                } catch {
                    throw KiteError.invalidArgument("the request body is larger than \(Self.maximumBody >> 20) MiB")
                }
                parameters = try APIParameters(body: Array(body.readableBytesView))
            }
            return JSONResponse.make(try await handler(RouteTable.Call(parameters: parameters, captures: captures)))
        }
        if path == "/api/3.0/mlflow/server-info" || path == "/ajax-api/3.0/mlflow/server-info" {
            return JSONResponse.make(.object([
                "store_type": .string("SqlStore"), "workspaces_enabled": .bool(false), "trace_archival_enabled": .bool(false),
                "multipart_uploads_enabled": .bool(false), "multipart_downloads_enabled": .bool(false),
                "presigned_upload_run_id_supported": .bool(false), "presigned_upload_model_id_supported": .bool(false),
                "features_enabled": .object(["gateway": .bool(false)]),
            ]))
        }
        if path == "/health" {
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "OK")))
        }
        if path == "/version" {
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "kite 0.1.0")))
        }
        return JSONResponse.error(APIError(status: 404, errorCode: "ENDPOINT_NOT_FOUND", message: "no endpoint \(request.method) \(path)"))
    }
}
