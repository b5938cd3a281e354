import Serving

/// What `kite serve`'s prediction endpoints serve: the models, and the log their answers are appended to.
public struct ModelServing: Sendable {
    public var host: ModelHost
    public var log: PredictionLog?

    public init(host: ModelHost, log: PredictionLog? = nil) {
        self.host = host
        self.log = log
    }
}
