import Features
import Foundation
import KiteCore

/// A monitor (`monitors/*.yaml`): which model version to watch over which window, the rules that raise alerts,
/// and where to send them. Read with every mistake reported with its file and line:
///
/// ```yaml
/// name: fraud-health                # default: the file's name
/// model: fraud                      # NAME (its champion), NAME@ALIAS or NAME@vN
/// window: 1d                        # how much of the prediction log each check reads
/// webhook_env: KITE_ALERT_WEBHOOK   # the variable holding the webhook URL (or webhook: URL without secrets)
/// server: http://127.0.0.1:8080     # optional: kite serve's /metrics, for dropped_log_records
/// rules:
///   - name: inputs drifted
///     when: drift_share > 0.3
///   - name: auc dropped
///     when: auc < champion.auc - 0.02
///   - name: slow
///     when: p99_latency_ms > 20
/// ```
public struct MonitorDefinition: Sendable, Equatable {
    public var name: String
    public var model: String
    public var window: TimeSpan
    /// The webhook URL itself, or the environment variable that holds it (read by the command line).
    public var webhook: String?
    public var webhookVariable: String?
    public var server: String?
    public var rules: [Rule]

    /// A rule: a name and the condition under which it fires.
    public struct Rule: Sendable, Equatable {
        public var name: String
        public var condition: AlertCondition
    }

    /// The variables rules may read.
    public static let variables: [String] = [
        "predictions", "labelled", "drift_share", "drifted_columns", "dataset_drift", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms",
        "p50/p95/p99_features_ms and _scoring_ms (a request's stages)",
        "srm_p", "dropped_log_records", "<metric> (auc, log_loss, accuracy, precision, recall, f1, rmse, mae, r2, …)",
        "estimated_<metric> (auc, accuracy, precision, recall, f1)", "holdout.<metric>", "champion.<metric>",
    ]

    /// Every monitor under `folder` (none when it does not exist); two files naming one monitor is an error.
    public static func loadAll(folder: String) throws -> [MonitorDefinition] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var seen: [String: String] = [:]
        var monitors: [MonitorDefinition] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = folder + "/" + name
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw KiteError(.notFound, "cannot read the monitor file \(path): \(error.localizedDescription)")
            }
            let monitor = try parse(text, file: path)
            if let other = seen[monitor.name] { throw KiteError.invalidArgument("\(path): monitor '\(monitor.name)' is also defined in \(other)") }
            seen[monitor.name] = path
            monitors.append(monitor)
        }
        return monitors
    }

    /// The monitor in YAML `text` (`file` names it in errors; its name is the default monitor name).
    public static func parse(_ text: String, file: String) throws -> MonitorDefinition {
        guard let root = try YAMLValue.parse(text, file: file) else { throw KiteError.invalidArgument("\(file) is empty") }
        let map = try root.mapping("the monitor", allowed: ["name", "model", "window", "webhook", "webhook_env", "server", "rules"])
        let fallback = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let name = try map["name"]?.string("name") ?? fallback
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw (map["name"] ?? root).fail("a monitor's name is letters, digits, '-' and '_', not '\(name)'")
        }
        let model = try map.required("model", in: "the monitor", at: root).string("model")
        var window = TimeSpan(microseconds: Timestamp.microsPerDay)
        if let value = map["window"] {
            do { window = try TimeSpan(parsing: try value.string("window")) } catch let error as KiteError { throw value.fail(error.message) }
            guard window.microseconds > 0 else { throw value.fail("the window must be longer than zero") }
        }
        if map["webhook"] != nil, map["webhook_env"] != nil { throw root.fail("give webhook or webhook_env, not both") }
        let webhook = try map["webhook"]?.string("webhook")
        if let webhook, let value = map["webhook"], !(webhook.hasPrefix("http://") || webhook.hasPrefix("https://")) {
            throw value.fail("the webhook must be an http:// or https:// URL")
        }
        let items = try map.required("rules", in: "the monitor", at: root).sequence("rules")
        guard !items.isEmpty else { throw root.fail("a monitor needs at least one rule") }
        var rules: [Rule] = []
        for item in items {
            let rule = try item.mapping("a rule", allowed: ["name", "when"])
            let when = try rule.required("when", in: "a rule", at: item)
            let condition: AlertCondition
            do { condition = try AlertCondition(try when.string("when")) } catch let error as KiteError { throw when.fail(error.message) }
            let ruleName = try rule["name"]?.string("name") ?? condition.description
            if rules.contains(where: { $0.name == ruleName }) { throw item.fail("two rules are named '\(ruleName)'") }
            rules.append(Rule(name: ruleName, condition: condition))
        }
        return MonitorDefinition(
            name: name, model: model, window: window, webhook: webhook, webhookVariable: try map["webhook_env"]?.string("webhook_env"),
            server: try map["server"]?.string("server"), rules: rules)
    }
}
