import ABTesting
import Foundation
import KiteCore
import ObjectStorage
import Registry
import Serving

/// One check of a monitor: the variables of its model version over the window ending now, each rule evaluated,
/// the rules that started firing or resolved since the last check notified (one POST to the webhook per check),
/// and the state kept. A rule notifies once per change; a failed notification is retried at the next check.
public enum MonitorCheck {
    /// A rule that changed.
    public struct Transition: Sendable, Codable, Equatable {
        public let rule: String
        /// `firing` or `resolved`.
        public let status: String
        public let condition: String
        public let value: Double?
    }

    /// What a check found and did.
    public struct Result: Sendable {
        public let state: AlertState
        public let transitions: [Transition]
        /// Whether the transitions were delivered (nil when there were none, or no webhook).
        public let delivered: Bool?
        public let deliveryError: String?
    }

    /// Checks `monitor` at `now`: `webhook` is its resolved URL, `client` sends to it and reads `monitor.server`.
    public static func run(
        _ monitor: MonitorDefinition, webhook: String?, now: Int64, registry: RegistryStore, artifacts: ArtifactStore, store: any ObjectStore,
        client: WebhookClient
    ) async throws -> Result {
        let values = try await variables(monitor, now: now, registry: registry, artifacts: artifacts, store: store, client: client)
        var state = try await AlertState.load(monitor.name, store: store)
        let previouslyNotified = state.rules.mapValues(\.notified)
        state.checked = now
        state.model = monitor.model
        state.values = values
        var transitions: [Transition] = []
        var rules: [String: AlertState.RuleState] = [:]
        for rule in monitor.rules {
            let previous = state.rules[rule.name]
            let outcome = rule.condition.evaluate(values)
            let status: AlertState.RuleState.Status = outcome.map { $0.holds ? .firing : .ok } ?? .noData
            var entry = AlertState.RuleState(
                status: status, since: previous?.status == status ? previous?.since ?? now : now, value: outcome?.value, notified: previous?.notified)
            // Notify a change between firing and ok; no data changes nothing.
            if status != .noData, status != (entry.notified ?? .ok) {
                transitions.append(
                    Transition(rule: rule.name, status: status == .firing ? "firing" : "resolved", condition: rule.condition.description, value: outcome?.value)
                )
                entry.notified = status
            }
            rules[rule.name] = entry
        }
        state.rules = rules
        var delivered: Bool?
        var deliveryError: String?
        if !transitions.isEmpty, let webhook {
            do {
                try await client.post(json: try payload(monitor, now: now, transitions: transitions, values: values), to: webhook)
                delivered = true
            } catch {
                // Keep the previous notified status so the next check sends the change again.
                for transition in transitions { state.rules[transition.rule]?.notified = previouslyNotified[transition.rule] ?? nil }
                delivered = false
                deliveryError = (error as? KiteError)?.message ?? "\(error)"
            }
        }
        try await state.save(store: store)
        return Result(state: state, transitions: transitions, delivered: delivered, deliveryError: deliveryError)
    }

    /// The webhook's body: the monitor, the model, the changes and every variable.
    static func payload(_ monitor: MonitorDefinition, now: Int64, transitions: [Transition], values: [String: Double]) throws -> [UInt8] {
        let body: [String: Any] = [
            "monitor": monitor.name, "model": monitor.model, "checked": Timestamp.format(now),
            "alerts": transitions.map { transition -> [String: Any] in
                var alert: [String: Any] = ["rule": transition.rule, "status": transition.status, "condition": transition.condition]
                if let value = transition.value { alert["value"] = value }
                return alert
            },
            "values": values,
        ]
        return Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
    }

    /// The values rules read, for the monitor's model version over the window ending at `now`.
    static func variables(
        _ monitor: MonitorDefinition, now: Int64, registry: RegistryStore, artifacts: ArtifactStore, store: any ObjectStore, client: WebhookClient
    ) async throws -> [String: Double] {
        let reference = monitor.model.contains("@") ? monitor.model : monitor.model + "@champion"
        let version = try await ModelLoader.version(reference: reference, registry: registry)
        let window = (now - monitor.window.microseconds)...now
        var values: [String: Double] = [:]
        // Read once for both the estimate and the drift; a version without one still has realized metrics.
        let holdout = try? await MonitoringData.reference(of: version, registry: registry, artifacts: artifacts)
        let performance = try await ModelPerformance.run(
            version: version, window: window, reference: holdout, registry: registry, artifacts: artifacts, store: store)
        let total = performance.total
        values["predictions"] = Double(total.predictions)
        values["labelled"] = Double(total.labelled)
        for (name, value) in total.realized { values[name] = value }
        for name in ["auc", "accuracy", "precision", "recall", "f1"] { values["estimated_" + name] = total.estimated(name) }
        values["p50_latency_ms"] = total.latencyP50
        values["p95_latency_ms"] = total.latencyP95
        values["p99_latency_ms"] = total.latencyP99
        for (stage, latency) in total.stages {
            values["p50_\(stage)_ms"] = latency.p50
            values["p95_\(stage)_ms"] = latency.p95
            values["p99_\(stage)_ms"] = latency.p99
        }
        for (name, value) in performance.holdout { values["holdout." + name] = value }
        if let champion = try? await registry.modelVersion(name: version.name, alias: "champion"), let runID = champion.runID {
            for (name, metric) in try await registry.run(id: runID).metrics { values["champion." + name] = metric.value }
        }
        if total.predictions > 0 {
            let drift = try await ModelDrift.run(
                version: version, window: window, holdout: holdout, registry: registry, artifacts: artifacts, store: store)
            values["drift_share"] = drift.drift.driftShare
            values["drifted_columns"] = Double(drift.drift.driftedColumns)
            values["dataset_drift"] = drift.drift.datasetDrift ? 1 : 0
        }
        if monitor.rules.contains(where: { $0.condition.variables.contains("srm_p") }),
            let experiment = try await ExperimentStore(registry: registry).running(model: version.name)
        {
            values["srm_p"] = try await ExperimentData.analyze(experiment, store: store).sampleRatioPValue
        }
        if let server = monitor.server, monitor.rules.contains(where: { $0.condition.variables.contains("dropped_log_records") }) {
            let text = try await client.get(server.hasSuffix("/") ? server + "metrics" : server + "/metrics")
            values["dropped_log_records"] = ServerMetricsText.value(of: "kite_prediction_log_dropped_records", in: text)
        }
        return values.filter { $0.value.isFinite }
    }
}

/// A sample's value in Prometheus's text format.
enum ServerMetricsText {
    static func value(of metric: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(metric + " ") || line.hasPrefix(metric + "{") {
            if let last = line.split(separator: " ").last, let value = Double(last) { return value }
        }
        return nil
    }
}
