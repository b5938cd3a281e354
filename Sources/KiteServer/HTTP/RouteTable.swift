import Foundation

/// JSON endpoints by method and path pattern (`logged-models/{model_id}/tags/{tag_key}`); `{name}` segments
/// are captured, percent-decoded.
struct RouteTable: Sendable {
    /// What a JSON handler gets: the request's parameters and the path's captured segments.
    struct Call: Sendable {
        var parameters: APIParameters
        var captures: [String: String]

        /// A captured path segment.
        func capture(_ name: String) -> String { captures[name] ?? "" }
    }

    typealias Handler = @Sendable (Call) async throws -> JSONValue

    private struct Route: Sendable {
        var method: String
        var segments: [String]
        var handler: Handler
    }

    private var exact: [String: Handler] = [:]
    private var patterns: [Route] = []

    /// Adds an endpoint.
    mutating func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        if path.contains("{") {
            patterns.append(Route(method: method, segments: path.split(separator: "/").map(String.init), handler: handler))
        } else {
            exact["\(method) \(path)"] = handler
        }
    }

    /// The handler for `method` and `path` (relative to the API prefix) and the captured segments; nil when no
    /// endpoint has that path, or `allowed` methods when the path exists with other methods.
    func match(_ method: String, _ path: String) -> (handler: Handler, captures: [String: String])? {
        if let handler = exact["\(method) \(path)"] { return (handler, [:]) }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for route in patterns where route.method == method && route.segments.count == segments.count {
            var captures: [String: String] = [:]
            var matched = true
            for (pattern, segment) in zip(route.segments, segments) {
                if pattern.hasPrefix("{") {
                    guard !segment.isEmpty else { matched = false; break }
                    captures[String(pattern.dropFirst().dropLast())] = segment.removingPercentEncoding ?? segment
                } else if pattern != segment {
                    matched = false
                    break
                }
            }
            if matched { return (route.handler, captures) }
        }
        return nil
    }

    /// Whether any method serves `path` (for 405 versus 404).
    func knows(_ path: String) -> Bool {
        exact.keys.contains { $0.split(separator: " ", maxSplits: 1).last.map(String.init) == path }
            || ["GET", "POST", "PATCH", "DELETE", "PUT"].contains { method in
                patterns.contains { $0.method == method } && match(method, path) != nil
            }
    }
}
