import Foundation
import Hummingbird
import KiteCore
import Registry
import Synchronization

/// Checks `Authorization: Bearer …` against the registry's API tokens when `kite serve` runs with auth on.
/// Health checks stay open; predictions and online features need `predict`, other writes `write`, everything
/// else `read`. A token's role is cached for a few seconds, so a revoked token stops working that soon after.
final class TokenAuthenticator: Sendable {
    /// How long a looked-up token's role is trusted.
    static let cacheLifetime = Duration.seconds(5)
    /// How many tokens the cache holds before it starts over (unknown tokens are cached too).
    static let cacheLimit = 10_000

    private let registry: RegistryStore
    private let cache = Mutex<[String: (role: TokenRole?, until: ContinuousClock.Instant)]>([:])

    init(registry: RegistryStore) { self.registry = registry }

    /// The role of an active token, nil for an unknown or revoked one.
    func role(of token: String) async throws -> TokenRole? {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[token] }), cached.until > now { return cached.role }
        let role = try await registry.role(ofToken: token)
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[token] = (role, now + Self.cacheLifetime)
        }
        return role
    }

    /// The role a request needs; nil when it is open to everyone (health checks).
    static func requiredRole(method: HTTPRequest.Method, path: String) -> TokenRole? {
        let open = ["/health", "/version", "/ping", "/openapi.json", "/v2/health/live", "/v2/health/ready", "/ui/login", "/ui/logout"]
        if open.contains(path) { return nil }
        if method == .get || method == .head { return .read }
        let segments = path.split(separator: "/")
        if path == "/invocations" || path == "/get-online-features" || (path.hasPrefix("/v1/models/") && segments.last == "predict")
            || (path.hasPrefix("/v2/models/") && segments.last == "infer")
        {
            return .predict
        }
        // MLflow's searches are POSTs that only read.
        if segments.last == "search" || segments.last == "get" { return .read }
        return .write
    }
}

/// Refuses requests without a token of the role they need: 401 without a token or with an unknown one, 403 with
/// one whose role is too small; in the family's error format.
struct TokenAuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let authenticator: TokenAuthenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let needed = TokenAuthenticator.requiredRole(method: request.method, path: request.uri.path) else { return try await next(request, context) }
        var challenge = HTTPFields()
        challenge[.wwwAuthenticate] = #"Bearer realm="kite""#
        // The web UI's pages take the token from the cookie the sign-in page sets; a browser without one (or with a
        // token that cannot do this) is sent to the sign-in page.
        if request.uri.path.hasPrefix("/ui") {
            let token = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? Self.cookie(request)
            if let token, let role = try await authenticator.role(of: token), role >= needed { return try await next(request, context) }
            let back = request.method == .get ? request.uri.description : "/ui/models"
            let query = "next=" + (back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") + (token == nil ? "" : "&failed=1")
            return Response(status: .seeOther, headers: [.location: "/ui/login?" + query])
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "), header.count > 7 else {
            throw APIError(
                status: 401, errorCode: "UNAUTHENTICATED",
                message: "this server needs a token: send Authorization: Bearer TOKEN (make one with kite tokens create --role \(needed.rawValue))",
                headers: challenge)
        }
        guard let role = try await authenticator.role(of: String(header.dropFirst(7))) else {
            throw APIError(status: 401, errorCode: "UNAUTHENTICATED", message: "the token is unknown or revoked", headers: challenge)
        }
        guard role >= needed else {
            throw APIError(
                status: 403, errorCode: "PERMISSION_DENIED",
                message: "a \(role.rawValue) token cannot \(request.method.rawValue) \(request.uri.path); it needs a \(needed.rawValue) token")
        }
        return try await next(request, context)
    }

    /// The web UI's token cookie, if the request carries one.
    static func cookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == LoginPage.cookie, !parts[1].isEmpty { return String(parts[1]) }
            }
        }
        return nil
    }
}
