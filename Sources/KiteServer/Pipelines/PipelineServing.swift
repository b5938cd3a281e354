import Pipelines

/// What the server needs for the pipeline endpoints: the project's pipelines folder and, with `kite serve
/// --scheduler`, the scheduler that runs them (a service of the application).
public struct PipelineServing: Sendable {
    public let folder: String
    public let scheduler: PipelineScheduler?

    public init(folder: String, scheduler: PipelineScheduler?) {
        self.folder = folder
        self.scheduler = scheduler
    }
}
