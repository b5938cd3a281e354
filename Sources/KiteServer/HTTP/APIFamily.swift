import Foundation
import Hummingbird
import KiteCore
import NIOCore

/// One API family's routes (MLflow tracking, MLflow artifacts, health, …) as a Hummingbird `RouteCollection`
/// with the family's own error format and request-body limit. Mounted under its prefixes, the family answers
/// 405 for a known path with another method and 404 for an unknown path below its prefix, both in its format.
final class APIFamily {
    /// What a JSON handler gets: the request's parameters and the path's captured segments.
    struct Call: Sendable {
        var parameters: APIParameters
        var captures: [String: String]
        var headers: HTTPFields = [:]

        /// A captured path segment (`{model_id}`), percent-decoded.
        func capture(_ name: String) -> String { captures[name] ?? "" }
    }

    /// A JSON endpoint: parameters in, a JSON document out.
    typealias Handler = @Sendable (Call) async throws -> JSONValue
    typealias Context = BasicRequestContext

    /// The methods a family's 405 answers cover.
    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete]

    let format: APIErrorFormat
    let bodyLimit: Int
    private let collection = RouteCollection(context: Context.self)
    private var paths: [String: [HTTPRequest.Method]] = [:]
    private var order: [String] = []

    /// A family answering errors in `format` and refusing JSON bodies over `bodyLimit` bytes; with `auth`, its
    /// requests need tokens (`TokenAuthMiddleware`).
    init(format: APIErrorFormat, bodyLimit: Int, auth: TokenAuthenticator? = nil) {
        self.format = format
        self.bodyLimit = bodyLimit
        collection.add(middleware: APIErrorMiddleware(format: format))
        if let auth { collection.add(middleware: TokenAuthMiddleware(authenticator: auth)) }
    }

    /// Adds a JSON endpoint; `{name}` segments of `path` are captured.
    func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        let names = path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
        let limit = bodyLimit
        addRaw(method, path) { request, context in
            let parameters: APIParameters
            if method == .get || method == .head {
                parameters = APIParameters(query: request.uri.query)
            } else {
                parameters = try APIParameters(body: try await Self.body(of: request, limit: limit))
            }
            var captures: [String: String] = [:]
            for name in names {
                let raw = context.parameters.get(name) ?? ""
                captures[name] = raw.removingPercentEncoding ?? raw
            }
            return JSONResponse.make(try await handler(Call(parameters: parameters, captures: captures, headers: request.headers)))
        }
    }

    /// Adds an endpoint that answers the request itself (streaming bodies, non-JSON answers).
    func addRaw(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, Context) async throws -> Response) {
        if paths[path] == nil { order.append(path) }
        paths[path, default: []].append(method)
        collection.on(RouterPath(path), method: method, use: handler)
    }

    /// Mounts the family under each of `prefixes`, adding its 405 and 404 answers.
    func mount(on router: Router<Context>, at prefixes: [String]) {
        for path in order {
            let allowed = paths[path] ?? []
            for method in Self.methods where !allowed.contains(method) {
                collection.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw APIError.methodNotAllowed(request, allowed: allowed)
                }
            }
        }
        if paths["**"] == nil {
            for method in Self.methods {
                collection.on("**", method: method) { request, _ -> Response in throw APIError.notFound(request) }
            }
        }
        for prefix in prefixes { router.addRoutes(collection, atPath: RouterPath(prefix)) }
    }

    /// The whole request body, or 413 past `limit` bytes.
    static func body(of request: Request, limit: Int) async throws -> [UInt8] {
        do {
            return Array(try await request.body.collect(upTo: limit).readableBytesView)
        } catch {
            throw APIError(status: 413, errorCode: "REQUEST_LIMIT_EXCEEDED", message: "the request body is larger than \(limit >> 20) MiB")
        }
    }
}
