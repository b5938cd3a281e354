import Serving

/// What `kite serve`'s prediction endpoints serve: the models, the log their answers are appended to, and the
/// queue of experiments' shadow scoring.
public struct ModelServing: Sendable {
    public var host: ModelHost
    public var log: PredictionLog?
    let shadows = ShadowScoring()

    public init(host: ModelHost, log: PredictionLog? = nil) {
        self.host = host
        self.log = log
    }
}
