import Foundation
import KiteCore
import Monitoring
import Mustache

/// Drift as one self-contained HTML page (`kite monitor drift --out report.html`) or a section of one: the
/// summary, a table of every column's test, value and verdict, and each column's reference and current
/// distributions as inline SVG. Every name from the data is escaped.
public enum DriftReportPage {
    static let template = """
        <h2>{{heading}}</h2>
        <p class="muted">{{subtitle}}</p>
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

    /// The page of any drift report, under `heading` and `subtitle`.
    public static func render(_ drift: DriftReport, heading: String, subtitle: String, referenceRows: Int, currentRows: Int) throws -> String {
        let body = try section(drift, heading: heading, subtitle: subtitle, referenceRows: referenceRows, currentRows: currentRows)
        return try PageLayout.render(title: heading, body: body)
    }

    /// The report's HTML without the page around it, for pages that show drift among other things.
    static func section(_ drift: DriftReport, heading: String, subtitle: String, referenceRows: Int, currentRows: Int) throws -> String {
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
            "heading": heading, "subtitle": subtitle, "datasetVerdict": drift.datasetDrift ? "drift" : "no drift",
            "datasetClass": drift.datasetDrift ? "drifted" : "stable", "drifted": String(drift.driftedColumns), "tested": String(drift.testedColumns),
            "share": number(drift.driftShare), "shareThreshold": number(drift.driftShareThreshold), "currentRows": String(currentRows),
            "referenceRows": String(referenceRows), "columns": columns, "charts": charts,
        ]
        return try MustacheTemplate(string: template).render(context)
    }

    static func number(_ value: Double) -> String { String(format: "%.4g", value) }
}
