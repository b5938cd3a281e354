import ABTesting

/// An experiment running on a served model, ready to route requests: its definition, its split, and the loaded
/// version of each variant and shadow.
public struct RunningExperiment: Sendable {
    public let definition: ExperimentDefinition
    /// The split of each stage of the ramp, by µs since the start (one stage without a ramp).
    public let schedule: [(after: Int64, split: TrafficSplit)]
    /// One per variant, in the definition's order (the first is the control).
    public let variants: [ServedModel]
    /// Served on a copy of the traffic; their answers are logged, never returned.
    public let shadows: [ServedModel]

    public init(definition: ExperimentDefinition, schedule: [(after: Int64, split: TrafficSplit)], variants: [ServedModel], shadows: [ServedModel]) {
        self.definition = definition
        self.schedule = schedule
        self.variants = variants
        self.shadows = shadows
    }

    /// The split in force at `now` (µs since the epoch): the ramp's latest step reached since the start.
    public func split(at now: Int64) -> TrafficSplit {
        let elapsed = now - (definition.startedAt ?? now)
        return schedule.last { $0.after <= elapsed }?.split ?? schedule[0].split
    }
}
