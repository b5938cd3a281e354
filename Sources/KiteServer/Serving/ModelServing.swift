import Serving

/// What `kite serve`'s prediction endpoints serve: the models, the log their answers are appended to, and the
/// queue of experiments' shadow scoring.
public struct ModelServing: Sendable {
    public var host: ModelHost
    public var log: PredictionLog?
    let shadows: ShadowScoring

    /// `shadowCapacity` bounds the rows waiting for the experiments' shadow versions; more are dropped and counted.
    public init(host: ModelHost, log: PredictionLog? = nil, shadowCapacity: Int = ShadowScoring.defaultCapacity) {
        self.host = host
        self.log = log
        self.shadows = ShadowScoring(capacity: shadowCapacity)
    }
}
