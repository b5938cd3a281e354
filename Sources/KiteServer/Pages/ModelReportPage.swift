import Foundation
import KiteCore
import Monitoring
import Mustache

/// `kite monitor report --out report.html`: a model version's health over a window as one self-contained page —
/// performance day by day (realized on labelled predictions, estimated by CBPE before labels, the holdout's for
/// comparison), request latency percentiles, and the drift of its inputs and predictions.
public enum ModelReportPage {
    static let template = """
        <h1>{{model}} version {{version}}</h1>
        <p class="muted">{{task}} model; prediction log from {{windowStart}} to {{windowEnd}}.</p>
        <section class="summary" aria-label="Summary">
        <div class="card"><div class="muted">Predictions</div><div class="value">{{predictions}}</div><div class="muted">{{labelled}} labelled</div></div>
        <div class="card"><div class="muted">{{metric}} (labelled)</div><div class="value">{{realized}}</div><div class="muted">holdout {{holdout}}</div></div>
        {{#hasEstimate}}<div class="card"><div class="muted">{{metric}} (estimated)</div><div class="value">{{estimated}}</div><div class="muted">CBPE{{#calibrated}}, calibrated{{/calibrated}}</div></div>{{/hasEstimate}}
        <div class="card"><div class="muted">Latency p50 / p99</div><div class="value">{{p50}} / {{p99}} ms</div></div>
        </section>
        <h2>Performance</h2>
        <figure><figcaption>{{metric}} by day</figcaption>{{{performanceChart}}}
        <p class="legend muted"><span style="background: var(--current)"></span>realized on labelled predictions<span style="background: #d9822b"></span>estimated before labels (CBPE)<span style="background: var(--reference)"></span>on the holdout</p></figure>
        <h2>Latency</h2>
        <figure><figcaption>Request latency by day (ms)</figcaption>{{{latencyChart}}}
        <p class="legend muted"><span style="background: var(--reference)"></span>p50<span style="background: #d9822b"></span>p95<span style="background: var(--current)"></span>p99</p></figure>
        <table><caption class="muted">Over the window, by stage of a request (ms).</caption>
        <thead><tr><th scope="col">Stage</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th></tr></thead><tbody>
        {{#stages}}<tr><th scope="row">{{name}}</th><td>{{p50}}</td><td>{{p95}}</td><td>{{p99}}</td></tr>{{/stages}}
        </tbody></table>
        <h2>By day</h2>
        <table>
        <thead><tr><th scope="col">Day</th><th scope="col">Predictions</th><th scope="col">Labelled</th><th scope="col">{{metric}} (realized)</th><th scope="col">{{metric}} (estimated)</th><th scope="col">p50 ms</th><th scope="col">p95 ms</th><th scope="col">p99 ms</th></tr></thead>
        <tbody>
        {{#days}}<tr><th scope="row">{{day}}</th><td>{{predictions}}</td><td>{{labelled}}</td><td>{{realized}}</td><td>{{estimated}}</td><td>{{p50}}</td><td>{{p95}}</td><td>{{p99}}</td></tr>
        {{/days}}
        </tbody>
        </table>
        """

    /// The whole page.
    public static func render(_ report: ModelReport) throws -> String {
        try PageLayout.render(title: "\(report.performance.model) v\(report.performance.version)", body: try body(report))
    }

    /// The report without the page around it (the web UI's monitoring page shows it in its own frame).
    static func body(_ report: ModelReport) throws -> String {
        let performance = report.performance
        let metric = performance.primaryMetric
        let days = performance.days
        let labels = days.map { String(day($0.start).prefix(10)) }
        let performanceChart = SVGChart.lines(
            labels: labels,
            series: [
                ("\(metric) realized", days.map { $0.realized[metric] }, "current"),
                ("\(metric) estimated", days.map { $0.estimated(metric) }, "estimated"),
                ("\(metric) on the holdout", days.map { _ in performance.holdout[metric] }, "reference"),
            ], title: "\(metric) by day")
        let latencyChart = SVGChart.lines(
            labels: labels,
            series: [("p50", days.map(\.latencyP50), "reference"), ("p95", days.map(\.latencyP95), "estimated"), ("p99", days.map(\.latencyP99), "current")],
            title: "latency by day")
        let context: [String: Any] = [
            "model": performance.model, "version": String(performance.version), "task": performance.task,
            "windowStart": day(performance.windowStart), "windowEnd": day(performance.windowEnd),
            "predictions": String(performance.total.predictions), "labelled": String(performance.total.labelled), "metric": metric,
            "realized": text(performance.total.realized[metric]), "holdout": text(performance.holdout[metric]),
            "hasEstimate": performance.total.estimated != nil, "estimated": text(performance.total.estimated(metric)),
            "calibrated": performance.calibrated ?? false, "p50": text(performance.total.latencyP50), "p99": text(performance.total.latencyP99),
            "performanceChart": performanceChart, "latencyChart": latencyChart,
            "stages": [
                [
                    "name": "whole request", "p50": text(performance.total.latencyP50), "p95": text(performance.total.latencyP95),
                    "p99": text(performance.total.latencyP99),
                ]
            ]
                + performance.total.stages.sorted { $0.key < $1.key }.map { name, latency in
                    [
                        "name": name == "features" ? "reading features" : "preprocessing and the model", "p50": text(latency.p50), "p95": text(latency.p95),
                        "p99": text(latency.p99),
                    ]
                },
            "days": zip(labels, days).map { label, day -> [String: Any] in
                [
                    "day": label, "predictions": String(day.predictions), "labelled": String(day.labelled), "realized": text(day.realized[metric]),
                    "estimated": text(day.estimated(metric)), "p50": text(day.latencyP50), "p95": text(day.latencyP95), "p99": text(day.latencyP99),
                ]
            },
        ]
        let drift = report.drift
        return try MustacheTemplate(string: template).render(context)
            + (try DriftReportPage.section(
                drift.drift, heading: "Drift",
                subtitle: drift.referenceStart.map { start in
                    "Inputs and predictions in the window against the log's rows from \(day(start)) to \(day(drift.referenceEnd ?? start))."
                } ?? "Inputs and predictions in the window against the version's reference (its training run's holdout).",
                referenceRows: drift.referenceRows, currentRows: drift.currentRows))
    }

    /// The UTC date and minute of a time.
    static func day(_ time: Int64) -> String { String(Timestamp.format(time).prefix(16)).replacingOccurrences(of: "T", with: " ") }

    static func text(_ value: Double?) -> String { value.map { String(format: "%.4g", $0) } ?? "—" }
}
