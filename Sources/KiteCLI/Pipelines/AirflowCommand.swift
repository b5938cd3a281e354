import ArgumentParser
import Features
import Foundation
import KiteCore
import Pipelines

/// `kite airflow export`: the project's pipelines as Airflow DAG files.
struct AirflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airflow", abstract: "Export the project's pipelines to Airflow.", subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write one Airflow 3 DAG file per pipeline (pipelines/*.yaml) whose tasks run the same kite commands.",
            discussion: """
                Each step becomes a task with the pipeline's schedule (cron, time zone, catch-up), the step's \
                retries (exponential backoff), timeout and dependencies; a batch-predict step with shards: N becomes \
                N mapped tasks, spread over Airflow's workers. Tasks run `kite … --project PROJECT` with a \
                BashOperator, or in a pod with --operator kubernetes --image IMAGE. The workers need kite (--kite) \
                and the project (--project-path, as they see it); the registry and stores are the project's URLs.
                """)
        @OptionGroup var options: ProjectOptions
        @Option(help: "The folder to write the DAG files to (Airflow's dags folder).") var out = "dags"
        @Option(help: "How tasks run: bash or kubernetes.") var `operator` = "bash"
        @Option(help: "The image with kite in it, for --operator kubernetes.") var image: String?
        @Option(help: "The kite command on the workers.") var kite = "kite"
        @Option(help: "The project folder as the workers see it. Default: this project's absolute path.") var projectPath: String?

        func run() async throws {
            guard let taskOperator = AirflowExport.Operator(rawValue: `operator`) else {
                throw ValidationError("--operator must be bash or kubernetes, not '\(`operator`)'")
            }
            let configuration = try options.configuration()
            let pipelines = try PipelineFile.loadAll(folder: configuration.folder + "/pipelines")
            guard !pipelines.isEmpty else { throw KiteError(.notFound, "no pipelines in \(configuration.folder)/pipelines to export") }
            var export = AirflowExport(project: projectPath ?? URL(fileURLWithPath: configuration.folder).standardizedFileURL.path)
            (export.taskOperator, export.image, export.kite) = (taskOperator, image, kite)
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            var written: [String] = []
            for pipeline in pipelines {
                let file = out + "/" + AirflowExport.fileName(of: pipeline)
                try export.dag(for: pipeline).write(toFile: file, atomically: true, encoding: .utf8)
                written.append(file)
            }
            Terminal.standardOutput("wrote \(written.count) DAG files: \(written.joined(separator: ", "))\n")
        }
    }
}
