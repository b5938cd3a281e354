import Foundation
import KiteCore
import Registry

/// What users open MLflow's UI for: experiments, a sortable table of an experiment's runs with their params and
/// metrics, a run's metrics as curves per step and its artifacts, and selected runs side by side.
enum RunsPage {
    static let experimentsTemplate = """
        <h1>Experiments</h1>
        <table>
        <thead><tr><th scope="col">Experiment</th><th scope="col">ID</th><th scope="col">Runs</th><th scope="col">Created</th></tr></thead>
        <tbody>
        {{#experiments}}<tr><th scope="row"><a href="/ui/experiments/{{id}}">{{name}}</a></th><td>{{id}}</td><td>{{runs}}</td><td>{{created}}</td></tr>
        {{/experiments}}
        </tbody>
        </table>
        """

    static func experiments(_ stores: WebUI.Stores) async throws -> WebUI.Page {
        let page = try await stores.registry.searchExperiments(orderBy: ["name ASC"], maxResults: 500)
        var rows: [[String: Any]] = []
        for experiment in page.items {
            rows.append([
                "id": experiment.id, "name": experiment.name, "created": WebUI.time(experiment.creationTime),
                "runs": String(try await stores.registry.runCount(experimentID: experiment.id)),
            ])
        }
        return WebUI.Page(title: "Experiments", body: try WebUI.render(experimentsTemplate, ["experiments": rows]))
    }

    static let runsTemplate = """
        <h1>{{name}}</h1>
        <p class="muted">Experiment {{id}}: {{total}} runs, {{shown}} shown, sorted by {{sortedBy}}. Select runs to compare them.</p>
        <form method="get" action="/ui/compare">
        <table class="wide">
        <thead><tr><th scope="col"><span class="visually-hidden">Compare</span></th>{{#headers}}<th scope="col"><a href="{{href}}">{{label}}</a>{{arrow}}</th>{{/headers}}</tr></thead>
        <tbody>
        {{#runs}}<tr><td><input type="checkbox" name="runs" value="{{id}}" aria-label="Compare {{name}}"></td><th scope="row"><a href="/ui/runs/{{id}}">{{name}}</a></th><td>{{status}}</td><td>{{started}}</td>{{#cells}}<td>{{.}}</td>{{/cells}}</tr>
        {{/runs}}{{^runs}}<tr><td colspan="4">No runs yet.</td></tr>{{/runs}}
        </tbody>
        </table>
        <p><button type="submit">Compare selected runs</button>{{#next}} <a href="{{next}}">Next {{pageSize}} runs →</a>{{/next}}</p>
        </form>
        """

    static let pageSize = 100

    static func runs(experimentID: String, query: APIParameters, _ stores: WebUI.Stores) async throws -> WebUI.Page {
        guard Int64(experimentID) != nil else { throw KiteError(.notFound, "there is no experiment '\(experimentID)'") }
        let experiment = try await stores.registry.experiment(id: experimentID)
        let sort = try query.string("sort") ?? "attributes.start_time"
        let descending = (try query.string("order") ?? "DESC").uppercased() != "ASC"
        let page = try await stores.registry.searchRuns(
            experimentIDs: [experimentID], orderBy: ["\(sort) \(descending ? "DESC" : "ASC")"], maxResults: pageSize,
            pageToken: try query.string("page"))
        let params = Array(Set(page.items.flatMap(\.params.keys)).sorted().prefix(8))
        let metrics = Array(Set(page.items.flatMap(\.metrics.keys)).sorted().prefix(10))
        let base = "/ui/experiments/\(experimentID)"
        func header(_ label: String, _ key: String) -> [String: Any] {
            let next = key == sort && descending ? "ASC" : "DESC"
            return [
                "label": label, "href": "\(base)?sort=\(encode(key))&order=\(next)",
                "arrow": key == sort ? (descending ? " ↓" : " ↑") : "",
            ]
        }
        var headers = [header("Run", "attributes.run_name"), header("Status", "attributes.status"), header("Started", "attributes.start_time")]
        headers += metrics.map { header($0, "metrics.`\($0)`") } + params.map { header($0, "params.`\($0)`") }
        let rows = page.items.map { run -> [String: Any] in
            [
                "id": run.id, "name": run.name.isEmpty ? String(run.id.prefix(8)) : run.name, "status": run.status.rawValue,
                "started": WebUI.time(run.startTime),
                "cells": metrics.map { run.metrics[$0].map { WebUI.number($0.value) } ?? "" } + params.map { run.params[$0] ?? "" },
            ]
        }
        var context: [String: Any] = [
            "id": experimentID, "name": experiment.name, "total": String(try await stores.registry.runCount(experimentID: experimentID)),
            "shown": String(rows.count), "sortedBy": "\(sort) \(descending ? "descending" : "ascending")", "headers": headers, "runs": rows,
            "pageSize": String(pageSize),
        ]
        if let token = page.nextPageToken {
            context["next"] = "\(base)?sort=\(encode(sort))&order=\(descending ? "DESC" : "ASC")&page=\(encode(token))"
        }
        return WebUI.Page(title: experiment.name, body: try WebUI.render(runsTemplate, context))
    }

    static let runTemplate = """
        <h1>{{name}}</h1>
        <p class="muted">Run {{id}} in <a href="/ui/experiments/{{experimentID}}">experiment {{experimentID}}</a>: {{status}}, started {{started}}{{#ended}}, ended {{ended}}{{/ended}}.</p>
        <h2>Metrics</h2>
        <table><thead><tr><th scope="col">Metric</th><th scope="col">Value</th><th scope="col">Step</th></tr></thead><tbody>
        {{#metrics}}<tr><th scope="row">{{key}}</th><td>{{value}}</td><td>{{step}}</td></tr>{{/metrics}}
        </tbody></table>
        {{#curves}}<figure><figcaption>{{key}} by step</figcaption>{{{svg}}}</figure>{{/curves}}
        <h2>Parameters</h2>
        <table><thead><tr><th scope="col">Parameter</th><th scope="col">Value</th></tr></thead><tbody>
        {{#params}}<tr><th scope="row">{{key}}</th><td>{{value}}</td></tr>{{/params}}
        </tbody></table>
        <h2>Tags</h2>
        <table><thead><tr><th scope="col">Tag</th><th scope="col">Value</th></tr></thead><tbody>
        {{#tags}}<tr><th scope="row">{{key}}</th><td>{{value}}</td></tr>{{/tags}}
        </tbody></table>
        <h2>Inputs</h2>
        <ul>{{#inputs}}<li>{{name}} (digest {{digest}}, {{source}})</li>{{/inputs}}{{^inputs}}<li>None recorded.</li>{{/inputs}}</ul>
        <h2>Artifacts</h2>
        <ul>{{#artifacts}}<li>{{path}}{{#size}} ({{size}} bytes){{/size}}</li>{{/artifacts}}{{^artifacts}}<li>None.</li>{{/artifacts}}</ul>
        """

    static func run(id: String, _ stores: WebUI.Stores) async throws -> WebUI.Page {
        let run = try await stores.registry.run(id: id)
        var curves: [[String: Any]] = []
        for key in run.metrics.keys.sorted() {
            let history = try await stores.registry.metricHistory(runID: id, key: key)
            guard history.count > 1 else { continue }
            let points = history.sorted { $0.step < $1.step }
            curves.append([
                "key": key,
                "svg": SVGChart.lines(
                    labels: points.map { "step \($0.step)" }, series: [(key, points.map { Optional($0.value) }, "current")], title: "\(key) by step"),
            ])
        }
        var artifacts: [[String: Any]] = []
        if let folder = ArtifactStore.path(ofURI: run.artifactURI) {
            var pending = [folder]
            while let next = pending.popLast(), artifacts.count < 200 {
                for entry in (try? await stores.artifacts.list(next)) ?? [] {
                    let path = next + "/" + entry.path
                    if entry.isDirectory {
                        pending.append(path)
                    } else {
                        var artifact: [String: Any] = ["path": String(path.dropFirst(folder.count + 1))]
                        if let size = entry.size { artifact["size"] = String(size) }
                        artifacts.append(artifact)
                    }
                }
            }
        }
        var context: [String: Any] = [
            "id": run.id, "name": run.name.isEmpty ? run.id : run.name, "experimentID": run.experimentID, "status": run.status.rawValue,
            "started": WebUI.time(run.startTime),
            "metrics": run.metrics.values.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": WebUI.number($0.value), "step": String($0.step)] },
            "params": run.params.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] },
            "tags": run.tags.filter { !$0.key.hasPrefix("mlflow.log-model") }.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] },
            "inputs": run.inputs.map { ["name": $0.name, "digest": $0.digest, "source": $0.sourceType] },
            "artifacts": artifacts.sorted { ($0["path"] as? String ?? "") < ($1["path"] as? String ?? "") }, "curves": curves,
        ]
        if let end = run.endTime { context["ended"] = WebUI.time(end) }
        return WebUI.Page(title: run.name.isEmpty ? "Run \(run.id.prefix(8))" : run.name, body: try WebUI.render(runTemplate, context))
    }

    static let compareTemplate = """
        <h1>Comparing {{count}} runs</h1>
        <table class="wide">
        <thead><tr><th scope="col"></th>{{#runs}}<th scope="col"><a href="/ui/runs/{{id}}">{{name}}</a></th>{{/runs}}</tr></thead>
        <tbody>
        {{#rows}}<tr><th scope="row">{{label}}</th>{{#cells}}<td>{{.}}</td>{{/cells}}</tr>
        {{/rows}}
        </tbody>
        </table>
        """

    static func compare(ids: [String], _ stores: WebUI.Stores) async throws -> WebUI.Page {
        guard (2...20).contains(ids.count) else { throw KiteError.invalidArgument("select between 2 and 20 runs to compare (got \(ids.count))") }
        var runs: [Run] = []
        for id in ids { runs.append(try await stores.registry.run(id: id)) }
        let params = Set(runs.flatMap(\.params.keys)).sorted()
        let metrics = Set(runs.flatMap(\.metrics.keys)).sorted()
        let rows: [[String: Any]] =
            metrics.map { key in ["label": "metric \(key)", "cells": runs.map { $0.metrics[key].map { WebUI.number($0.value) } ?? "" }] }
            + params.map { key in ["label": "param \(key)", "cells": runs.map { $0.params[key] ?? "" }] }
        let context: [String: Any] = [
            "count": String(runs.count), "runs": runs.map { ["id": $0.id, "name": $0.name.isEmpty ? String($0.id.prefix(8)) : $0.name] }, "rows": rows,
        ]
        return WebUI.Page(title: "Compare runs", body: try WebUI.render(compareTemplate, context))
    }

    /// A query value percent-encoded.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
