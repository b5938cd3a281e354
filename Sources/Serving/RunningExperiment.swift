import ABTesting

/// An experiment running on a served model, ready to route requests: its definition, its split, and the loaded
/// version of each variant and shadow.
public struct RunningExperiment: Sendable {
    public let definition: ExperimentDefinition
    public let split: TrafficSplit
    /// One per variant, in the definition's order (the first is the control).
    public let variants: [ServedModel]
    /// Served on a copy of the traffic; their answers are logged, never returned.
    public let shadows: [ServedModel]

    public init(definition: ExperimentDefinition, split: TrafficSplit, variants: [ServedModel], shadows: [ServedModel]) {
        self.definition = definition
        self.split = split
        self.variants = variants
        self.shadows = shadows
    }
}
