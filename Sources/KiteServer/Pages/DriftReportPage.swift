import Foundation
import KiteCore
import Monitoring
import Mustache

/// A model version's drift as one self-contained HTML page (`kite monitor report --out report.html`): the summary,
/// a table of every column's test, value and verdict, and each column's reference and current distributions as
/// inline SVG. Every name from the data is escaped.
public enum DriftReportPage {
    static let template = """
        <h1>Drift of {{model}} version {{version}}</h1>
        <p class="muted">Prediction log from {{windowStart}} to {{windowEnd}} against the version's reference (its training run's holdout).</p>
        <section class="summary" aria-label="Summary">
        <div class="card"><div class="muted">Dataset drift</div><div class="value {{datasetClass}}">{{datasetVerdict}}</div></div>
        <div class="card"><div class="muted">Drifted columns</div><div class="value">{{drifted}} of {{tested}}</div><div class="muted">share {{share}}, threshold {{shareThreshold}}</div></div>
        <div class="card"><div class="muted">Rows</div><div class="value">{{currentRows}}</div><div class="muted">current; reference {{referenceRows}}</div></div>
        </section>
        <h2>Columns</h2>
        <table>
        <caption class="muted">Tests and thresholds as Evidently's DataDriftPreset chooses them.</caption>
        <thead><tr><th scope="col">Column</th><th scope="col">Kind</th><th scope="col">Test</th><th scope="col">Value</th><th scope="col">Threshold</th><th scope="col">Verdict</th></tr></thead>
        <tbody>
        {{#columns}}<tr><th scope="row">{{name}}</th><td>{{kind}}</td><td>{{test}}</td><td>{{value}}</td><td>{{threshold}}</td><td class="{{verdictClass}}">{{verdict}}</td></tr>
        {{/columns}}
        </tbody>
        </table>
        <h2>Distributions</h2>
        <p class="legend muted"><span style="background: var(--reference)"></span>reference<span style="background: var(--current)"></span>current</p>
        <div class="grid">
        {{#charts}}<figure><figcaption>{{name}}</figcaption>{{{svg}}}</figure>
        {{/charts}}
        </div>
        """

    /// The whole page.
    public static func render(_ report: ModelDrift) throws -> String {
        let drift = report.drift
        let columns = drift.columns.map { column -> [String: Any] in
            [
                "name": column.column, "kind": column.kind.rawValue, "test": column.method?.displayName ?? "—",
                "value": column.value.map(number) ?? "—", "threshold": column.threshold.map(number) ?? "—",
                "verdict": column.skipped.map { "skipped: \($0)" } ?? (column.drifted ? "drift" : "no drift"),
                "verdictClass": column.skipped != nil ? "muted" : column.drifted ? "drifted" : "stable",
            ]
        }
        let charts = drift.columns.compactMap { column -> [String: Any]? in
            guard let distribution = column.distribution else { return nil }
            let labels =
                distribution.labels.isEmpty
                ? zip(distribution.edges, distribution.edges.dropFirst()).map { "\(number($0))–\(number($1))" } : distribution.labels
            return [
                "name": column.column,
                "svg": SVGChart.pairedBars(
                    labels: labels, reference: distribution.reference, current: distribution.current, title: "\(column.column): reference and current"),
            ]
        }
        let context: [String: Any] = [
            "model": report.model, "version": String(report.version), "windowStart": Timestamp.format(report.windowStart),
            "windowEnd": Timestamp.format(report.windowEnd), "datasetVerdict": drift.datasetDrift ? "drift" : "no drift",
            "datasetClass": drift.datasetDrift ? "drifted" : "stable", "drifted": String(drift.driftedColumns), "tested": String(drift.testedColumns),
            "share": number(drift.driftShare), "shareThreshold": number(drift.driftShareThreshold), "currentRows": String(report.currentRows),
            "referenceRows": String(report.referenceRows), "columns": columns, "charts": charts,
        ]
        let body = try MustacheTemplate(string: template).render(context)
        return try PageLayout.render(title: "Drift of \(report.model) v\(report.version)", body: body)
    }

    static func number(_ value: Double) -> String { String(format: "%.4g", value) }
}
