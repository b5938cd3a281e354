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

    /// A canary step: from `after` (microseconds since the experiment started), the variants' weights.
    public struct RampStep: Sendable, Hashable, Codable {
        public var after: Int64
        public var weights: [Double]

        public init(after: Int64, weights: [Double]) {
            self.after = after
            self.weights = weights
        }
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
    /// A canary ramp: weights that change with time since the start (the variants' own weights before the first
    /// step). Empty: the weights hold throughout.
    public var ramp: [RampStep]
    /// When the experiment (last) started running, µs since the epoch.
    public var startedAt: Int64?

    public init(
        key: String, model: String, variants: [Variant], unit: String, seed: String? = nil, hashVersion: Int = 2, coverage: Double = 1,
        status: Status = .draft, metrics: [String] = [], shadows: [String] = [], ramp: [RampStep] = [], startedAt: Int64? = nil
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
        self.ramp = ramp
        self.startedAt = startedAt
        try validate()
    }

    private enum CodingKeys: String, CodingKey {
        case key, model, variants, unit, seed, hashVersion, coverage, status, metrics, shadows, ramp, startedAt
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(String.self, forKey: .key)
        model = try container.decode(String.self, forKey: .model)
        variants = try container.decode([Variant].self, forKey: .variants)
        unit = try container.decode(String.self, forKey: .unit)
        seed = try container.decode(String.self, forKey: .seed)
        hashVersion = try container.decode(Int.self, forKey: .hashVersion)
        coverage = try container.decode(Double.self, forKey: .coverage)
        status = try container.decode(Status.self, forKey: .status)
        metrics = try container.decodeIfPresent([String].self, forKey: .metrics) ?? []
        shadows = try container.decodeIfPresent([String].self, forKey: .shadows) ?? []
        ramp = try container.decodeIfPresent([RampStep].self, forKey: .ramp) ?? []
        startedAt = try container.decodeIfPresent(Int64.self, forKey: .startedAt)
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
        var previous: Int64 = -1
        for (index, step) in ramp.enumerated() {
            guard step.after > previous else { throw KiteError.invalidArgument("ramp step \(index + 1) must come after the one before it") }
            guard step.weights.count == variants.count else {
                throw KiteError.invalidArgument("ramp step \(index + 1) has \(step.weights.count) weights for \(variants.count) variants")
            }
            do { _ = try TrafficSplit(weights: step.weights, coverage: coverage, seed: seed, hashVersion: hashVersion) } catch let error as KiteError {
                throw KiteError.invalidArgument("ramp step \(index + 1): \(error.message)")
            }
            previous = step.after
        }
    }

    /// The assignment of units to variants (GrowthBook's bucketing) with the variants' own weights.
    public var split: TrafficSplit {
        get throws { try TrafficSplit(weights: variants.map(\.weight), coverage: coverage, seed: seed, hashVersion: hashVersion) }
    }

    /// Each split of the experiment's life: from `after` (µs since the start) on, `split` — the variants' weights
    /// from 0, then each ramp step's.
    public var schedule: [(after: Int64, split: TrafficSplit)] {
        get throws {
            try [(0, split)]
                + ramp.map { step in (step.after, try TrafficSplit(weights: step.weights, coverage: coverage, seed: seed, hashVersion: hashVersion)) }
        }
    }
}
