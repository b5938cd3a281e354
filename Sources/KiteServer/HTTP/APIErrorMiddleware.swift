import Hummingbird
import Logging

/// Turns every error a family's handlers throw into that family's JSON error answer; server faults (5xx) are
/// logged with the request that caused them.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let format: APIErrorFormat

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            // The router's own "not found" knows no path; say which one.
            let notFound = (error as? HTTPError)?.status == .notFound && (error as? HTTPError)?.body == nil
            let answer = notFound ? APIError.notFound(request) : APIError(error)
            if answer.status >= 500 { context.logger.error("\(request.method) \(request.uri.path): \(answer.message)") }
            var response = JSONResponse.make(format.body(answer), status: HTTPResponse.Status(code: answer.status))
            response.headers.append(contentsOf: answer.headers)
            return response
        }
    }
}
