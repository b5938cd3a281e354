import Foundation
import KiteCore
import Monitoring
import Registry
import Serving
import Synchronization

/// The monitors' last checks (alerts firing, resolved, without data) and each model's live health: its report
/// (performance, estimated performance, latency, drift) over a window of the prediction log.
enum MonitoringPage {
    /// The last few reports computed, by model version, window and end (reports read the whole window's log).
    final class ReportCache: Sendable {
        private let entries = Mutex<[(key: String, report: ModelReport)]>([])
        static let capacity = 16

        init() {}

        func value(_ key: String) -> ModelReport? { entries.withLock { $0.first { $0.key == key }?.report } }

        func store(_ report: ModelReport, _ key: String) {
            entries.withLock { entries in
                entries.removeAll { $0.key == key }
                entries.insert((key, report), at: 0)
                if entries.count > Self.capacity { entries.removeLast() }
            }
        }
    }

    static let overviewTemplate = """
        <h1>Monitoring</h1>
        <h2>Alerts</h2>
        <p class="muted">The last check of each monitor (kite monitor check, monitors/*.yaml).</p>
        <table>
        <thead><tr><th scope="col">Monitor</th><th scope="col">Rule</th><th scope="col">Status</th><th scope="col">Value</th><th scope="col">Since</th><th scope="col">Checked</th></tr></thead>
        <tbody>
        {{#rules}}<tr><th scope="row">{{monitor}}</th><td>{{rule}}</td><td class="{{statusClass}}">{{status}}</td><td>{{value}}</td><td>{{since}}</td><td>{{checked}}</td></tr>
        {{/rules}}{{^rules}}<tr><td colspan="6">No monitor has been checked yet: add monitors/*.yaml and run kite monitor check.</td></tr>{{/rules}}
        </tbody>
        </table>
        <h2>Models</h2>
        <ul>{{#models}}<li><a href="/ui/monitoring/{{path}}">{{name}}</a></li>{{/models}}{{^models}}<li>No models yet.</li>{{/models}}</ul>
        """

    /// One row per rule of the monitors whose last check `include` accepts.
    static func ruleRows(_ stores: WebUI.Stores, include: (AlertState) -> Bool = { _ in true }) async throws -> [[String: Any]] {
        guard let offline = stores.offline else { return [] }
        var rows: [[String: Any]] = []
        for state in try await AlertState.all(store: offline) where include(state) {
            for (rule, entry) in state.rules.sorted(by: { $0.key < $1.key }) {
                rows.append([
                    "monitor": state.monitor, "rule": rule, "status": entry.status.rawValue,
                    "statusClass": entry.status == .firing ? "drifted" : entry.status == .ok ? "stable" : "muted",
                    "value": entry.value.map(WebUI.number) ?? "—", "since": WebUI.time(entry.since), "checked": WebUI.time(state.checked),
                ])
            }
        }
        return rows
    }

    static func overview(_ stores: WebUI.Stores) async throws -> WebUI.Page {
        let rules = try await ruleRows(stores)
        let models = try await stores.registry.searchRegisteredModels(orderBy: ["name ASC"], maxResults: 1000).items.map {
            ["name": $0.name, "path": WebUI.segment($0.name)]
        }
        return WebUI.Page(title: "Monitoring", body: try WebUI.render(overviewTemplate, ["rules": rules, "models": models]))
    }

    static let liveTemplate = """
        <h2>Live latency on this server</h2>
        <p class="muted">Since the server started, from its own histograms (kite_prediction_duration_seconds), estimated as Prometheus's histogram_quantile does.</p>
        <table><thead><tr><th scope="col">Version</th><th scope="col">Part</th><th scope="col">Requests</th><th scope="col">p50 ms</th><th scope="col">p95 ms</th><th scope="col">p99 ms</th></tr></thead><tbody>
        {{#series}}<tr><th scope="row">v{{version}}</th><td>{{part}}</td><td>{{count}}</td><td>{{p50}}</td><td>{{p95}}</td><td>{{p99}}</td></tr>{{/series}}
        {{^series}}<tr><td colspan="6">This server has not answered predictions of {{model}} yet.</td></tr>{{/series}}
        </tbody></table>
        """

    /// A model version's report: `?version=` (vN or an alias; champion by default), `?window=` (7d by default)
    /// ending at `?until=` (now by default).
    static func model(_ name: String, query: APIParameters, _ stores: WebUI.Stores) async throws -> WebUI.Page {
        guard let offline = stores.offline else { throw KiteError(.unavailable, "this server has no project, so no prediction log") }
        let tag = try query.string("version") ?? "champion"
        let span = try TimeSpan(parsing: try query.string("window") ?? "7d")
        // Without ?until= the window ends at the current minute, so a report computed this minute is reused.
        let minute: Int64 = 60_000_000
        let end = try query.string("until").map { try Timestamp.parse($0) } ?? WallClock.system.now() / minute * minute
        let version = try await ModelLoader.version(name: name, tag: tag, registry: stores.registry)
        let key = "\(version.name)\u{0}\(version.version)\u{0}\(span.microseconds)\u{0}\(end)"
        let report: ModelReport
        if let cached = stores.reports.value(key) {
            report = cached
        } else {
            report = try await ModelReport.run(
                version: version, window: (end - span.microseconds)...end, registry: stores.registry, artifacts: stores.artifacts, store: offline)
            stores.reports.store(report, key)
        }
        let live = stores.serverMetrics.map { HistogramQuantiles.predictionLatency($0(), model: name) } ?? []
        let liveSection = try WebUI.render(
            liveTemplate,
            [
                "model": name,
                "series": live.map { series -> [String: Any] in
                    [
                        "version": series.version, "part": series.part, "count": String(Int(series.count)),
                        "p50": WebUI.number(series.p50 * 1000), "p95": WebUI.number(series.p95 * 1000), "p99": WebUI.number(series.p99 * 1000),
                    ]
                },
            ])
        return WebUI.Page(title: "\(name) v\(version.version)", body: try ModelReportPage.body(report) + liveSection)
    }
}
