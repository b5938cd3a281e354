import ABTesting
import Foundation
import KiteCore
import Registry
import Serving

/// A/B tests: each experiment's status and split, its units per variant with the sample-ratio check, every
/// metric's results against the control with intervals (as GrowthBook computes them), and a button per variant
/// that promotes it (a write, so it needs a write token when the server runs with auth).
enum ABPage {
    static let listTemplate = """
        <h1>A/B tests</h1>
        <table><thead><tr><th scope="col">Experiment</th><th scope="col">Model</th><th scope="col">Status</th><th scope="col">Variants</th><th scope="col">Unit</th><th scope="col">Started</th></tr></thead><tbody>
        {{#experiments}}<tr><th scope="row"><a href="/ui/ab/{{path}}">{{key}}</a></th><td>{{model}}</td><td>{{status}}</td><td>{{variants}}</td><td>{{unit}}</td><td>{{started}}</td></tr>
        {{/experiments}}{{^experiments}}<tr><td colspan="6">No A/B tests yet (kite ab create FILE).</td></tr>{{/experiments}}
        </tbody></table>
        """

    static func list(_ stores: WebUI.Stores) async throws -> WebUI.Page {
        let experiments = try await ExperimentStore(registry: stores.registry).experiments().map { experiment -> [String: Any] in
            [
                "key": experiment.key, "path": WebUI.segment(experiment.key), "model": experiment.model, "status": experiment.status.rawValue,
                "variants": experiment.variants.map { "\($0.name) (\($0.model), \(WebUI.number($0.weight)))" }.joined(separator: ", "),
                "unit": experiment.unit, "started": experiment.startedAt.map(WebUI.time) ?? "—",
            ]
        }
        return WebUI.Page(title: "A/B tests", body: try WebUI.render(listTemplate, ["experiments": experiments]))
    }

    static let detailTemplate = """
        <h1>{{key}}</h1>
        <p class="muted">{{model}}, assigned by {{unit}}: {{status}}{{#started}}, started {{started}}{{/started}}.</p>
        <section class="summary" aria-label="Units">
        {{#units}}<div class="card"><div class="muted">{{variant}} ({{version}})</div><div class="value">{{units}}</div><div class="muted">units</div></div>{{/units}}
        <div class="card"><div class="muted">Sample ratio p</div><div class="value {{srmClass}}">{{srm}}</div><div class="muted">{{srmVerdict}}</div></div>
        </section>
        {{#metrics}}<h2>{{name}}</h2>
        <table><thead><tr><th scope="col">Variant</th><th scope="col">Units</th><th scope="col">Mean</th><th scope="col">Lift</th><th scope="col">95% interval</th><th scope="col">p-value</th><th scope="col">Chance to win</th></tr></thead><tbody>
        {{#rows}}<tr><th scope="row">{{variant}}</th><td>{{units}}</td><td>{{mean}}</td><td>{{lift}}</td><td>{{interval}}</td><td>{{p}}</td><td>{{chance}}</td></tr>{{/rows}}
        </tbody></table>
        {{/metrics}}
        <h2>Promote</h2>
        <p class="muted">Makes the variant's version {{model}}@champion and stops the experiment.</p>
        {{#promotable}}<form method="post" action="/ui/ab/{{path}}/promote" class="inline"><input type="hidden" name="variant" value="{{variant}}"><button type="submit">Promote {{variant}} ({{version}})</button></form>
        {{/promotable}}
        """

    static func detail(_ key: String, _ stores: WebUI.Stores) async throws -> WebUI.Page {
        let experiment = try await ExperimentStore(registry: stores.registry).experiment(key: key)
        guard let offline = stores.offline else { throw KiteError(.unavailable, "this server has no project, so no prediction log") }
        let analysis = try await ExperimentData.analyze(experiment, store: offline)
        let percent = { (value: Double) in String(format: "%+.2f%%", value * 100) }
        let metrics = analysis.metrics.map { name, results -> [String: Any] in
            [
                "name": name,
                "rows": results.rows.map { row -> [String: Any] in
                    [
                        "variant": row.variant, "units": String(row.units), "mean": WebUI.number(row.mean),
                        "lift": row.frequentist.map { percent($0.expected) } ?? "control",
                        "interval": row.frequentist.map { "[\(percent($0.confidenceInterval.lower)), \(percent($0.confidenceInterval.upper))]" } ?? "",
                        "p": row.frequentist.map { WebUI.number($0.pValue) } ?? "",
                        "chance": row.bayesian.map { String(format: "%.1f%%", $0.chanceToWin * 100) } ?? "",
                    ]
                },
            ]
        }
        var context: [String: Any] = [
            "key": experiment.key, "path": WebUI.segment(experiment.key), "model": experiment.model, "unit": experiment.unit,
            "status": experiment.status.rawValue,
            "units": zip(experiment.variants, analysis.units).map { ["variant": $0.name, "version": $0.model, "units": String($1)] },
            "srm": WebUI.number(analysis.sampleRatioPValue), "srmClass": analysis.sampleRatioMismatch ? "drifted" : "stable",
            "srmVerdict": analysis.sampleRatioMismatch ? "mismatch: check the assignment before trusting the results" : "no mismatch",
            "metrics": metrics,
            "promotable": experiment.variants.map { ["variant": $0.name, "version": $0.model, "path": WebUI.segment(experiment.key)] },
        ]
        if let started = experiment.startedAt { context["started"] = WebUI.time(started) }
        return WebUI.Page(title: experiment.key, body: try WebUI.render(detailTemplate, context))
    }

    /// `POST /ui/ab/{key}/promote` (a form: `variant`): promotes and sends the browser back to the experiment.
    static func promote(_ key: String, form: APIParameters, _ stores: WebUI.Stores) async throws -> String {
        guard let variant = try form.string("variant"), !variant.isEmpty else { throw KiteError.invalidArgument("the form names no variant") }
        _ = try await ExperimentPromotion.promote(key: key, variant: variant, registry: stores.registry)
        return "/ui/ab/" + WebUI.segment(key)
    }
}
