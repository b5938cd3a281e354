import Foundation
import Monitoring

/// The monitors' last checks as Prometheus gauges, appended to `/metrics`: each rule's firing state
/// (`kite_monitor_alert_firing`, 1 or 0; rules without data are left out), the variables the check computed
/// (`kite_monitor_value`), and when it ran (`kite_monitor_checked_timestamp_seconds`).
enum AlertMetrics {
    static func text(_ states: [AlertState]) -> String {
        guard !states.isEmpty else { return "" }
        var firing = "# HELP kite_monitor_alert_firing Whether a monitor's rule fired at its last check.\n# TYPE kite_monitor_alert_firing gauge\n"
        var values = "# HELP kite_monitor_value A variable a monitor's last check computed.\n# TYPE kite_monitor_value gauge\n"
        var checked =
            "# HELP kite_monitor_checked_timestamp_seconds When a monitor was last checked.\n# TYPE kite_monitor_checked_timestamp_seconds gauge\n"
        for state in states {
            let monitor = "monitor=\"\(escape(state.monitor))\""
            for (rule, entry) in state.rules.sorted(by: { $0.key < $1.key }) where entry.status != .noData {
                firing += "kite_monitor_alert_firing{\(monitor),rule=\"\(escape(rule))\"} \(entry.status == .firing ? 1 : 0)\n"
            }
            for (name, value) in state.values.sorted(by: { $0.key < $1.key }) {
                values += "kite_monitor_value{\(monitor),variable=\"\(escape(name))\"} \(value)\n"
            }
            checked += "kite_monitor_checked_timestamp_seconds{\(monitor)} \(Double(state.checked) / 1_000_000)\n"
        }
        return firing + values + checked
    }

    /// A label value as the text format needs it: backslash, quote and newline escaped.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
