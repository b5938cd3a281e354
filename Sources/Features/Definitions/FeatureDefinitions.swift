import KiteCore

/// Everything a project's `features/*.yaml` files declare: entities, batch sources, feature views, on-demand
/// views and feature services. `FeatureDefinitions.load` parses and validates them.
public struct FeatureDefinitions: Sendable {
    /// A kind of thing features are about, and the columns that identify one.
    public struct Entity: Sendable, Hashable {
        public var name: String
        public var joinKeys: [String]
        public var valueType: DataType
        public var description: String
        /// `file:line` where it is declared.
        public var location: String
    }

    /// Parquet files on the offline store that hold a view's rows.
    public struct BatchSource: Sendable, Hashable {
        public var name: String
        /// A file, a folder of Parquet files, or a glob, relative to the offline store.
        public var path: String
        public var timestampField: String
        public var createdTimestampField: String?
        /// Source column → feature name, for sources whose columns are named otherwise.
        public var fieldMapping: [String: String]
        public var location: String
    }

    /// Features computed offline and read from a batch source.
    public struct FeatureView: Sendable, Hashable {
        public var name: String
        public var entities: [String]
        public var schema: [Field]
        public var source: String
        /// How old a value may be and still be served; zero means no limit.
        public var ttl: TimeSpan
        public var online: Bool
        public var tags: [String: String]
        public var owner: String
        public var description: String
        public var location: String
    }

    /// Features computed by expressions from other features and from request data.
    public struct OnDemandView: Sendable, Hashable {
        /// One computed feature.
        public struct Feature: Sendable, Hashable {
            public var name: String
            public var type: DataType
            public var expression: Expression

            /// The view and feature an expression input reads when it names a batch view's feature
            /// (`view:feature`); nil for a request field.
            static func batchFeature(_ input: String) -> (view: Substring, feature: Substring)? {
                // By bytes: a character search breaks the text into grapheme clusters, and this runs per request.
                guard let colon = input.utf8.firstIndex(of: UInt8(ascii: ":")) else { return nil }
                return (input[..<colon], input[input.utf8.index(after: colon)...])
            }
        }

        public var name: String
        /// Feature views whose features the expressions use (`view:feature`).
        public var sources: [String]
        /// Values the caller supplies with each request (or each entity row).
        public var request: [Field]
        public var features: [Feature]
        public var location: String
    }

    /// A named list of the features a model consumes.
    public struct FeatureService: Sendable, Hashable {
        public var name: String
        public var features: [FeatureReference]
        public var description: String
        public var location: String
    }

    public var entities: [Entity] = []
    public var sources: [BatchSource] = []
    public var featureViews: [FeatureView] = []
    public var onDemandViews: [OnDemandView] = []
    public var featureServices: [FeatureService] = []

    /// No definitions.
    public init() {}
}

/// `view:feature`, or `view:*` for every feature of a view.
public struct FeatureReference: Sendable, Hashable, CustomStringConvertible {
    public var view: String
    /// Nil for `view:*`.
    public var feature: String?

    /// Parses `view:feature` or `view:*`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw KiteError.invalidArgument("'\(text)' is not a feature reference: write view:feature or view:*")
        }
        view = String(parts[0])
        feature = parts[1] == "*" ? nil : String(parts[1])
    }

    public var description: String { "\(view):\(feature ?? "*")" }
}
