import KiteCore
import Learning
import Registry

/// One registered model version loaded for serving: which version it is, what the server was asked for, and the
/// scorer that answers with it. A class: every answered row refers to the version that answered it, and one
/// reference is cheaper to pass around than the version's many strings.
public final class ServedModel: Sendable {
    /// The registered model's name.
    public let name: String
    /// The version loaded.
    public let version: ModelVersion
    /// What the server serves under the name: an alias (`champion`), `latest` or `vN`.
    public let tag: String
    public let scorer: BatchScorer

    /// The model file.
    public var model: ModelFile { scorer.model }

    public init(name: String, version: ModelVersion, tag: String, scorer: BatchScorer) {
        self.name = name
        self.version = version
        self.tag = tag
        self.scorer = scorer
    }
}
