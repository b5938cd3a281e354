/// What a run's training set was, recorded as its `training_set.json` artifact and `kite.training_set` tag (the
/// registry copies the tag into a registered version's lineage).
struct TrainingSetMetadata: Sendable, Codable {
    /// `feature_service` or `table`.
    var source = ""
    var featureService: String?
    /// The labels file (feature service) or the table.
    var path: String?
    var definitionsVersion: Int?
    /// The feature views' features the service resolved to (`view:feature`).
    var featureReferences: [String]?
    var label: String
    var timeColumn: String?
    var task = ""
    var classes: [String]?
    var rows = 0
    var features: [String] = []
    var trainRows = 0
    var testRows = 0
    var split = ""
    /// Eight hex digits of a hash of the training table's values (MLflow shows a dataset digest).
    var digest = ""

    enum CodingKeys: String, CodingKey {
        case source, path, label, task, classes, rows, features, split, digest
        case featureService = "feature_service"
        case definitionsVersion = "definitions_version"
        case featureReferences = "feature_references"
        case timeColumn = "time_column"
        case trainRows = "train_rows"
        case testRows = "test_rows"
    }
}
