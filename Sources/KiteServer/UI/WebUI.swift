import Foundation
import HTTPTypes
import Hummingbird
import KiteCore
import Mustache
import NIOCore
import ObjectStorage
import Registry

/// Kite's web UI under `/ui`: server-rendered pages (swift-mustache templates, charts as inline SVG, no script),
/// readable without JavaScript and at phone width. Each page reads the registry (and the offline store) and
/// escapes every name that comes from users.
enum WebUI {
    /// What the pages read.
    struct Stores: Sendable {
        var registry: RegistryStore
        var artifacts: ArtifactStore
        /// The project's offline store (prediction log, labels, monitor states), when the server has a project.
        var offline: (any ObjectStore)?
        /// The project's applied feature definitions, when the server has a project.
        var definitions: AppliedDefinitions?
        /// Model reports computed lately (the monitoring pages reuse them within the minute).
        var reports = MonitoringPage.ReportCache()
        /// The server's own metrics in Prometheus's text format, for live latency.
        var serverMetrics: (@Sendable () -> String)?
    }

    /// A page's title and rendered body.
    struct Page {
        var title: String
        var body: String
    }

    /// The sections in the header.
    static let navigation: [(label: String, href: String)] = [
        ("Models", "/ui/models"), ("Runs", "/ui/experiments"), ("Features", "/ui/features"), ("Monitoring", "/ui/monitoring"),
        ("A/B tests", "/ui/ab"), ("Pipelines", "/ui/pipelines"),
    ]

    static func register(in family: APIFamily, stores: Stores) {
        family.addRaw(.get, "ui") { _, _ in Response(status: .found, headers: [.location: "/ui/models"]) }
        page(family, "ui/models") { _, _ in try await ModelsPage.list(stores) }
        page(family, "ui/models/{name}") { _, captured in try await ModelsPage.detail(captured("name"), stores) }
        page(family, "ui/experiments") { _, _ in try await RunsPage.experiments(stores) }
        page(family, "ui/experiments/{id}") { query, captured in try await RunsPage.runs(experimentID: captured("id"), query: query, stores) }
        page(family, "ui/runs/{id}") { _, captured in try await RunsPage.run(id: captured("id"), stores) }
        page(family, "ui/compare") { query, _ in try await RunsPage.compare(ids: try query.strings("runs"), stores) }
        page(family, "ui/features") { _, _ in try await FeaturesPage.page(stores) }
        page(family, "ui/pipelines") { _, _ in try await PipelinesPage.runs(stores) }
        page(family, "ui/pipelines/runs/{id}") { _, captured in try await PipelinesPage.run(id: captured("id"), stores) }
        page(family, "ui/ab") { _, _ in try await ABPage.list(stores) }
        page(family, "ui/ab/{key}") { _, captured in try await ABPage.detail(captured("key"), stores) }
        form(family, "ui/ab/{key}/promote") { form, captured in try await ABPage.promote(captured("key"), form: form, stores) }
        page(family, "ui/login") { query, _ in try LoginPage.page(next: try query.string("next"), failed: try query.string("failed") != nil) }
        family.addRaw(.post, "ui/login") { request, _ in
            let form = APIParameters(query: String(decoding: try await APIFamily.body(of: request, limit: 1 << 16), as: UTF8.self))
            return LoginPage.signIn(token: try form.string("token") ?? "", next: try form.string("next"))
        }
        family.addRaw(.post, "ui/logout") { request, _ in
            if crossSite(request) { return try forbiddenForm() }
            return LoginPage.signOut()
        }
        page(family, "ui/monitoring") { _, _ in try await MonitoringPage.overview(stores) }
        page(family, "ui/monitoring/{model}") { query, captured in try await MonitoringPage.model(captured("model"), query: query, stores) }
    }

    /// Registers a GET page: the builder gets the query and the path's captures (percent-decoded); a Kite error
    /// becomes an HTML error page with its status.
    static func page(
        _ family: APIFamily, _ path: String, _ build: @escaping @Sendable (APIParameters, (String) -> String) async throws -> Page
    ) {
        family.addRaw(.get, path) { request, context in
            let captured = { (name: String) in context.parameters.get(name).map { $0.removingPercentEncoding ?? $0 } ?? "" }
            do {
                let page = try await build(APIParameters(query: request.uri.query), captured)
                let signedIn = TokenAuthMiddleware.cookie(request) != nil
                return try html(.ok, try PageLayout.render(title: page.title, body: page.body, navigation: navigation, signOut: signedIn))
            } catch let error as KiteError {
                return try errorPage(error)
            }
        }
    }

    /// Registers a form's POST: the builder gets the form fields and the captures and answers where to send the
    /// browser (303). A form posted from another site (its `Origin` is not this server) is refused.
    static func form(
        _ family: APIFamily, _ path: String, _ handle: @escaping @Sendable (APIParameters, (String) -> String) async throws -> String
    ) {
        family.addRaw(.post, path) { request, context in
            let captured = { (name: String) in context.parameters.get(name).map { $0.removingPercentEncoding ?? $0 } ?? "" }
            if crossSite(request) { return try forbiddenForm() }
            do {
                let fields = APIParameters(query: String(decoding: try await APIFamily.body(of: request, limit: 1 << 16), as: UTF8.self))
                let location = try await handle(fields, captured)
                return Response(status: .seeOther, headers: [.location: location])
            } catch let error as KiteError {
                return try errorPage(error)
            }
        }
    }

    /// Whether a form was posted from another site: its `Origin` is not this server.
    static func crossSite(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin], let host = request.head.authority else { return false }
        return URL(string: origin).map({ "\($0.host ?? "")\($0.port.map { ":\($0)" } ?? "")" }) != host
    }

    static func forbiddenForm() throws -> Response {
        try html(.forbidden, try PageLayout.render(title: "403", body: "<h1>403 Forbidden</h1><p>The form came from another site.</p>"))
    }

    /// A Kite error as an HTML page: not found 404, unavailable 503, anything else 400.
    static func errorPage(_ error: KiteError) throws -> Response {
        let status: HTTPResponse.Status = error.code == .notFound ? .notFound : error.code == .unavailable ? .serviceUnavailable : .badRequest
        let body = "<h1>\(status.code) \(HTMLText.escape(status.reasonPhrase))</h1><p>\(HTMLText.escape(error.message))</p>"
        return try html(status, try PageLayout.render(title: "\(status.code)", body: body, navigation: navigation))
    }

    static func html(_ status: HTTPResponse.Status, _ text: String) throws -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A rendered template.
    static func render(_ template: String, _ context: [String: Any]) throws -> String {
        try MustacheTemplate(string: template).render(context)
    }

    /// A time as `YYYY-MM-DD HH:MM` (UTC).
    static func time(_ micros: Int64) -> String { String(Timestamp.format(micros).prefix(16)).replacingOccurrences(of: "T", with: " ") }

    /// A number as pages show it.
    static func number(_ value: Double) -> String { String(format: "%.4g", value) }

    /// A path segment with reserved characters percent-encoded.
    static func segment(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/", "?", "#"])) ?? text }
}
