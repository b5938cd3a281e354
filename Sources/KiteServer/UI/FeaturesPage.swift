import Features
import KiteCore
import Registry

/// The applied feature definitions — entities, feature views (with their online freshness: the last
/// materialization and its rows), on-demand views and feature services.
enum FeaturesPage {
    static let template = """
        <h1>Features</h1>
        <p class="muted">The definitions applied last (kite apply).</p>
        <h2>Entities</h2>
        <table><thead><tr><th scope="col">Entity</th><th scope="col">Join keys</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead><tbody>
        {{#entities}}<tr><th scope="row">{{name}}</th><td>{{keys}}</td><td>{{type}}</td><td>{{description}}</td></tr>{{/entities}}
        </tbody></table>
        <h2>Feature views</h2>
        <table><thead><tr><th scope="col">View</th><th scope="col">Entities</th><th scope="col">Features</th><th scope="col">Source</th><th scope="col">TTL</th><th scope="col">Online up to</th><th scope="col">Rows last written</th><th scope="col">Materialized at</th></tr></thead><tbody>
        {{#views}}<tr><th scope="row">{{name}}</th><td>{{entities}}</td><td>{{features}}</td><td>{{source}}</td><td>{{ttl}}</td><td>{{online}}</td><td>{{rows}}</td><td>{{finished}}</td></tr>{{/views}}
        </tbody></table>
        <h2>On-demand views</h2>
        <table><thead><tr><th scope="col">View</th><th scope="col">Features</th><th scope="col">Request fields</th></tr></thead><tbody>
        {{#onDemand}}<tr><th scope="row">{{name}}</th><td>{{features}}</td><td>{{request}}</td></tr>{{/onDemand}}
        </tbody></table>
        <h2>Feature services</h2>
        <table><thead><tr><th scope="col">Service</th><th scope="col">Features</th><th scope="col">Description</th></tr></thead><tbody>
        {{#services}}<tr><th scope="row">{{name}}</th><td>{{features}}</td><td>{{description}}</td></tr>{{/services}}
        </tbody></table>
        """

    static func page(_ stores: WebUI.Stores) async throws -> WebUI.Page {
        guard let applied = stores.definitions else { throw KiteError(.unavailable, "this server has no project, so no feature definitions") }
        let definitions = try await applied.current()
        let materializations = try await stores.registry.materializations()
        let context: [String: Any] = [
            "entities": definitions.entities.map {
                ["name": $0.name, "keys": $0.joinKeys.joined(separator: ", "), "type": $0.valueType.rawValue, "description": $0.description]
            },
            "views": definitions.featureViews.map { view -> [String: Any] in
                let last = materializations.first { $0.view == view.name }
                return [
                    "name": view.name, "entities": view.entities.joined(separator: ", "), "features": view.schema.map(\.name).joined(separator: ", "),
                    "source": view.source, "ttl": view.ttl.description,
                    "online": last.map { WebUI.time($0.end) } ?? (view.online ? "never materialized" : "offline only"),
                    "rows": last.map { String($0.rows) } ?? "—", "finished": last.map { WebUI.time($0.finishedAt) } ?? "—",
                ]
            },
            "onDemand": definitions.onDemandViews.map {
                ["name": $0.name, "features": $0.features.map(\.name).joined(separator: ", "), "request": $0.request.map(\.name).joined(separator: ", ")]
            },
            "services": definitions.featureServices.map {
                ["name": $0.name, "features": $0.features.map(\.description).joined(separator: ", "), "description": $0.description]
            },
        ]
        return WebUI.Page(title: "Features", body: try WebUI.render(template, context))
    }
}
