import KiteCore

/// One feature view's rows, ready for a point-in-time join: its data, the columns that play each role, its ttl
/// and which features to bring out under which names.
public struct FeatureTable: Sendable {
    /// A feature column and the name it gets in the training set.
    public struct Output: Sendable, Hashable {
        public var column: String
        public var name: String

        /// Brings `column` out as `name`.
        public init(column: String, name: String) {
            self.column = column
            self.name = name
        }
    }

    /// The view's name, for error messages.
    public var name: String
    public var frame: DataFrame
    /// Join key columns, named as in the entity frame.
    public var joinKeys: [String]
    /// When each row's values became true.
    public var eventTimestamp: String
    /// When each row was written; breaks ties between rows with the same event time (greatest wins).
    public var createdTimestamp: String?
    /// How far back a value may be and still count; zero means no limit.
    public var ttl: TimeSpan
    public var outputs: [Output]

    /// Describes a view's rows for the join.
    public init(
        name: String, frame: DataFrame, joinKeys: [String], eventTimestamp: String, createdTimestamp: String? = nil,
        ttl: TimeSpan = TimeSpan(microseconds: 0), outputs: [Output]
    ) {
        self.name = name
        self.frame = frame
        self.joinKeys = joinKeys
        self.eventTimestamp = eventTimestamp
        self.createdTimestamp = createdTimestamp
        self.ttl = ttl
        self.outputs = outputs
    }
}
