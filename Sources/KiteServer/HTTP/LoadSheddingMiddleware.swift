import Hummingbird
import Synchronization

/// Bounds the requests being handled at once: past `limit`, a request is answered 503 with `Retry-After` at once
/// instead of queueing, so overload costs callers a retry rather than the server its memory.
final class LoadSheddingMiddleware: RouterMiddleware, Sendable {
    typealias Context = BasicRequestContext
    let limit: Int
    private let inFlight = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let (_, now) = inFlight.add(1, ordering: .relaxed)
        defer { inFlight.subtract(1, ordering: .relaxed) }
        guard now <= limit else {
            var headers = HTTPFields()
            headers[.retryAfter] = "1"
            throw APIError(
                status: 503, errorCode: "TEMPORARILY_UNAVAILABLE", message: "the server is handling \(limit) requests already; retry in a second",
                headers: headers)
        }
        return try await next(request, context)
    }
}
