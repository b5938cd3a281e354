import Foundation
import Monitoring
import Registry

/// The registered models, and each model's versions with aliases and lineage (run → training set → feature
/// service and definitions version → source files).
enum ModelsPage {
    static let listTemplate = """
        <h1>Models</h1>
        <p class="muted">{{count}} registered model{{plural}}.</p>
        <table>
        <thead><tr><th scope="col">Model</th><th scope="col">Aliases</th><th scope="col">Latest version</th><th scope="col">Description</th><th scope="col">Updated</th></tr></thead>
        <tbody>
        {{#models}}<tr><th scope="row"><a href="/ui/models/{{path}}">{{name}}</a></th><td>{{aliases}}</td><td>{{latest}}</td><td>{{description}}</td><td>{{updated}}</td></tr>
        {{/models}}{{^models}}<tr><td colspan="5">No models yet: kite train registers one.</td></tr>{{/models}}
        </tbody>
        </table>
        """

    static func list(_ stores: WebUI.Stores) async throws -> WebUI.Page {
        let page = try await stores.registry.searchRegisteredModels(orderBy: ["name ASC"], maxResults: 1000)
        let models = page.items.map { model -> [String: Any] in
            [
                "name": model.name, "path": WebUI.segment(model.name), "description": model.description,
                "aliases": model.aliases.sorted { $0.key < $1.key }.map { "\($0.key) → v\($0.value)" }.joined(separator: ", "),
                "latest": model.latestVersions.map(\.version).max().map { "v\($0)" } ?? "—", "updated": WebUI.time(model.lastUpdatedTime),
            ]
        }
        let body = try WebUI.render(listTemplate, ["models": models, "count": String(models.count), "plural": models.count == 1 ? "" : "s"])
        return WebUI.Page(title: "Models", body: body)
    }

    static let detailTemplate = """
        <h1>{{name}}</h1>
        <p class="muted">{{description}}</p>
        <h2>Live health</h2>
        <table><thead><tr><th scope="col">Monitor</th><th scope="col">Rule</th><th scope="col">Status</th><th scope="col">Value</th><th scope="col">Checked</th></tr></thead><tbody>
        {{#health}}<tr><th scope="row">{{monitor}}</th><td>{{rule}}</td><td class="{{statusClass}}">{{status}}</td><td>{{value}}</td><td>{{checked}}</td></tr>
        {{/health}}{{^health}}<tr><td colspan="5">No monitor of {{name}} has been checked (monitors/*.yaml, kite monitor check).</td></tr>{{/health}}
        </tbody></table>
        <p><a href="/ui/monitoring/{{path}}">Performance, latency and drift of {{name}}@champion</a></p>
        <h2>Versions</h2>
        <table>
        <thead><tr><th scope="col">Version</th><th scope="col">Aliases</th><th scope="col">Run</th><th scope="col">Created</th><th scope="col">Description</th></tr></thead>
        <tbody>
        {{#versions}}<tr><th scope="row">v{{version}}</th><td>{{aliases}}</td><td>{{#run}}<a href="/ui/runs/{{run}}">{{runShort}}</a>{{/run}}{{^run}}—{{/run}}</td><td>{{created}}</td><td>{{description}}</td></tr>
        {{/versions}}
        </tbody>
        </table>
        <h2>Lineage</h2>
        {{#lineage}}<section class="card" aria-label="Lineage of version {{version}}">
        <h3>v{{version}}</h3>
        <dl class="lineage">
        <dt>Run</dt><dd>{{#run}}<a href="/ui/runs/{{run}}">{{run}}</a>{{/run}}{{^run}}—{{/run}}</dd>
        <dt>Training set</dt><dd>{{source}} {{path}} ({{rows}} rows, {{features}} features, digest {{digest}})</dd>
        <dt>Feature service</dt><dd>{{service}}</dd>
        <dt>Definitions version</dt><dd>{{definitions}}</dd>
        <dt>Label</dt><dd>{{label}} ({{task}})</dd>
        <dt>Split</dt><dd>{{split}}</dd>
        </dl>
        </section>
        {{/lineage}}
        """

    static func detail(_ name: String, _ stores: WebUI.Stores) async throws -> WebUI.Page {
        let model = try await stores.registry.registeredModel(name: name)
        let versions = try await stores.registry.modelVersions(name: name)
        let rows = versions.map { version -> [String: Any] in
            var row: [String: Any] = [
                "version": String(version.version), "aliases": version.aliases.sorted().joined(separator: ", "),
                "created": WebUI.time(version.creationTime), "description": version.description,
            ]
            if let run = version.runID {
                row["run"] = run
                row["runShort"] = String(run.prefix(8))
            }
            return row
        }
        let lineage = versions.map { version -> [String: Any] in
            let set = version.trainingSet.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } ?? [:]
            var entry: [String: Any] = [
                "version": String(version.version), "source": set["source"] as? String ?? "—", "path": set["path"] as? String ?? "",
                "rows": (set["rows"] as? Int).map(String.init) ?? "—", "features": ((set["features"] as? [String])?.count).map(String.init) ?? "—",
                "digest": set["digest"] as? String ?? "—", "service": version.featureService ?? set["feature_service"] as? String ?? "—",
                "definitions": (set["definitions_version"] as? Int).map { "v\($0)" } ?? "—", "label": set["label"] as? String ?? "—",
                "task": set["task"] as? String ?? "—", "split": set["split"] as? String ?? "—",
            ]
            if let run = version.runID { entry["run"] = run }
            return entry
        }
        let body = try WebUI.render(
            detailTemplate,
            [
                "name": model.name, "path": WebUI.segment(model.name), "description": model.description, "versions": rows, "lineage": lineage,
                "health": try await MonitoringPage.ruleRows(stores) { state in
                    state.model.map { $0 == model.name || $0.hasPrefix(model.name + "@") } ?? false
                },
            ])
        return WebUI.Page(title: model.name, body: body)
    }
}
