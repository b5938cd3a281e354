import KiteCore

/// An A/B test between versions of one registered model: who gets which variant, and what is analysed.
public struct ExperimentDefinition: Sendable, Hashable, Codable {
    /// One arm: a name, the model version it serves (`vN` or an alias), and its share of the units.
    public struct Variant: Sendable, Hashable, Codable {
        public var name: String
        public var model: String
        public var weight: Double

        public init(name: String, model: String, weight: Double) {
            self.name = name
            self.model = model
            self.weight = weight
        }
    }

    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case draft, running, stopped
    }

    /// The experiment's key (also the default hashing seed).
    public var key: String
    /// The registered model whose predictions it splits.
    public var model: String
    /// The first variant is the control.
    public var variants: [Variant]
    /// What identifies a unit: an entity key (`customer_id`) or a request field.
    public var unit: String
    public var seed: String
    public var hashVersion: Int
    public var coverage: Double
    public var status: Status
    /// Outcome metrics to analyse (names of posted outcomes).
    public var metrics: [String]
    /// Model versions served on a copy of the traffic; their answers are logged, never returned.
    public var shadows: [String]

    public init(
        key: String, model: String, variants: [Variant], unit: String, seed: String? = nil, hashVersion: Int = 2, coverage: Double = 1,
        status: Status = .draft, metrics: [String] = [], shadows: [String] = []
    ) throws {
        self.key = key
        self.model = model
        self.variants = variants
        self.unit = unit
        self.seed = seed ?? key
        self.hashVersion = hashVersion
        self.coverage = coverage
        self.status = status
        self.metrics = metrics
        self.shadows = shadows
        try validate()
    }

    /// Checks every field, naming the one that is wrong: a key and unit, at least two variants with distinct
    /// names, model references (`vN` or an alias), weights that are a valid split.
    public func validate() throws {
        func name(_ text: String, _ what: String) throws {
            guard !text.isEmpty, text.count <= 250, text.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) else {
                throw KiteError.invalidArgument("\(what) '\(text.prefix(80))' must be 1–250 letters, digits, '_', '-' or '.'")
            }
        }
        try name(key, "experiment key")
        try name(model, "model")
        try name(unit, "unit")
        var seen = Set<String>()
        for variant in variants {
            try name(variant.name, "variant name")
            guard seen.insert(variant.name).inserted else { throw KiteError.invalidArgument("variant '\(variant.name)' is named twice") }
            guard !variant.model.isEmpty else { throw KiteError.invalidArgument("variant '\(variant.name)' names no model version (vN or an alias)") }
        }
        for shadow in shadows where shadow.isEmpty { throw KiteError.invalidArgument("a shadow names no model version") }
        _ = try split
    }

    /// The assignment of units to variants (GrowthBook's bucketing).
    public var split: TrafficSplit {
        get throws { try TrafficSplit(weights: variants.map(\.weight), coverage: coverage, seed: seed, hashVersion: hashVersion) }
    }
}
