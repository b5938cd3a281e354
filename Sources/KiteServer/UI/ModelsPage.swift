import Foundation
import KiteCore
import Learning
import Monitoring
import ObjectStorage
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
        <h2>Global importance</h2>
        {{#importance}}<p class="muted">Mean |SHAP| of each input over the {{rows}} reference rows of v{{version}} (in {{units}}): how much it moves a prediction, on average.</p>
        {{{chart}}}{{/importance}}{{^importance}}<p class="muted">No explanations recorded for {{name}}'s champion or newest version (a model trained by Kite records them over its reference; an imported model has no reference).</p>{{/importance}}
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
                "importance": try await importance(versions, stores) as Any,
                "health": try await MonitoringPage.ruleRows(stores) { state in
                    state.model.map { $0 == model.name || $0.hasPrefix(model.name + "@") } ?? false
                },
            ])
        return WebUI.Page(title: model.name, body: body)
    }

    /// The global importance of the champion (else the newest version), from its run's explanations: the
    /// template's `importance` section, or nil when the run recorded none.
    static func importance(_ versions: [ModelVersion], _ stores: WebUI.Stores) async throws -> [String: Any]? {
        guard let version = versions.first(where: { $0.aliases.contains("champion") }) ?? versions.first, let runID = version.runID,
            let folder = ArtifactStore.path(ofURI: try await stores.registry.run(id: runID).artifactURI)
        else { return nil }
        let bytes: [UInt8]
        do { bytes = try await stores.artifacts.objects.get(folder + "/" + ExplanationImportance.artifact) } catch let error as KiteError
            where error.code == .notFound
        { return nil }
        let importance = try ExplanationImportance.decode(Data(bytes))
        let entries = importance.entries.prefix(20)
        return [
            "version": String(version.version), "rows": String(importance.rows), "units": importance.units.replacingOccurrences(of: "_", with: "-"),
            "chart": SVGChart.horizontalBars(
                labels: entries.map(\.feature), values: entries.map(\.meanAbsoluteContribution), title: "Mean |SHAP| by input"),
        ]
    }
}
