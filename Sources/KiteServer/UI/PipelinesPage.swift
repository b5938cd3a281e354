import Foundation
import KiteCore
import ObjectStorage
import Registry

/// Pipeline runs, newest first, and each run's step attempts with their output.
enum PipelinesPage {
    static let runsTemplate = """
        <h1>Pipelines</h1>
        <table><thead><tr><th scope="col">Run</th><th scope="col">Pipeline</th><th scope="col">Logical time</th><th scope="col">Trigger</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Ended</th></tr></thead><tbody>
        {{#runs}}<tr><th scope="row"><a href="/ui/pipelines/runs/{{id}}">{{short}}</a></th><td>{{pipeline}}</td><td>{{logical}}</td><td>{{trigger}}</td><td class="{{statusClass}}">{{status}}</td><td>{{started}}</td><td>{{ended}}</td></tr>
        {{/runs}}{{^runs}}<tr><td colspan="7">No pipeline has run yet (kite pipelines run NAME, or kite serve --scheduler).</td></tr>{{/runs}}
        </tbody></table>
        """

    static func runs(_ stores: WebUI.Stores) async throws -> WebUI.Page {
        let runs = try await stores.registry.pipelineRuns(limit: 200).map { run -> [String: Any] in
            [
                "id": run.id, "short": String(run.id.prefix(8)), "pipeline": run.pipeline, "logical": WebUI.time(run.logicalTime), "trigger": run.trigger,
                "status": run.status, "statusClass": statusClass(run.status), "started": run.startTime.map(WebUI.time) ?? "—",
                "ended": run.endTime.map(WebUI.time) ?? "—",
            ]
        }
        return WebUI.Page(title: "Pipelines", body: try WebUI.render(runsTemplate, ["runs": runs]))
    }

    static let runTemplate = """
        <h1>{{pipeline}} run {{short}}</h1>
        <p class="muted">Logical time {{logical}} ({{trigger}}): <span class="{{statusClass}}">{{status}}</span>{{#message}}: {{message}}{{/message}}.</p>
        {{#attempts}}<section class="card" aria-label="{{step}} task {{task}} attempt {{attempt}}">
        <h2>{{step}}, task {{task}}, attempt {{attempt}}: <span class="{{statusClass}}">{{status}}</span></h2>
        <p class="muted">{{started}} → {{ended}}{{#exitCode}}, exit code {{exitCode}}{{/exitCode}}{{#message}}: {{message}}{{/message}}</p>
        <pre class="log">{{log}}</pre>
        </section>
        {{/attempts}}
        """

    /// The most of an attempt's output a page shows (its end, where errors are).
    static let logLimit = 64 * 1024

    static func run(id: String, _ stores: WebUI.Stores) async throws -> WebUI.Page {
        let run = try await stores.registry.pipelineRun(id: id)
        var attempts: [[String: Any]] = []
        for attempt in try await stores.registry.pipelineAttempts(runID: id) {
            var log = "(no output kept)"
            if let location = attempt.log, let bytes = try? await stores.artifacts.objects.get(location) {
                log = String(decoding: bytes.suffix(logLimit), as: UTF8.self)
                if bytes.count > logLimit { log = "… (the last \(logLimit / 1024) KiB of \(bytes.count / 1024) KiB)\n" + log }
            }
            var entry: [String: Any] = [
                "step": attempt.step, "task": String(attempt.task + 1), "attempt": String(attempt.attempt), "status": attempt.status,
                "statusClass": statusClass(attempt.status), "started": WebUI.time(attempt.startTime), "ended": attempt.endTime.map(WebUI.time) ?? "…",
                "log": log,
            ]
            // Sections show only what is there (an empty string would still open a mustache section).
            if let code = attempt.exitCode { entry["exitCode"] = String(code) }
            if let message = attempt.message, !message.isEmpty { entry["message"] = message }
            attempts.append(entry)
        }
        var context: [String: Any] = [
            "pipeline": run.pipeline, "short": String(run.id.prefix(8)), "logical": WebUI.time(run.logicalTime), "trigger": run.trigger,
            "status": run.status, "statusClass": statusClass(run.status), "attempts": attempts,
        ]
        if let message = run.message, !message.isEmpty { context["message"] = message }
        return WebUI.Page(title: "\(run.pipeline) run", body: try WebUI.render(runTemplate, context))
    }

    static func statusClass(_ status: String) -> String {
        switch status {
        case "succeeded": "stable"
        case "failed", "interrupted": "drifted"
        default: "muted"
        }
    }
}
