import KiteCore

/// How an experiment's units are split between its variants: GrowthBook's bucket ranges. Each variant owns the
/// interval `[start, start + coverage × weight)` of [0, 1) after the weights before it; a unit's hashed position
/// picks the variant, so assignment is deterministic and sticky, and raising a weight only adds units to it.
/// With a namespace, only units whose namespace position falls in its range take part.
public struct TrafficSplit: Sendable, Hashable {
    /// A share of units kept apart for mutually exclusive experiments: units whose position (hash version 1,
    /// seed `__ID`) is in `[start, end)`.
    public struct Namespace: Sendable, Hashable {
        public var id: String
        public var start: Double
        public var end: Double

        public init(id: String, start: Double, end: Double) {
            self.id = id
            self.start = start
            self.end = end
        }
    }

    public let weights: [Double]
    /// The share of units in the experiment (0…1); the others see the default and are not logged as exposed.
    public let coverage: Double
    public let seed: String
    /// GrowthBook's hash version: 2 (default) or 1.
    public let hashVersion: Int
    public let namespace: Namespace?
    /// Each variant's `[start, end)` in [0, 1).
    public let ranges: [(start: Double, end: Double)]

    /// A split; weights must be non-negative and sum to 1 (within 1e-6), coverage in 0…1, hash version 1 or 2.
    public init(weights: [Double], coverage: Double = 1, seed: String, hashVersion: Int = 2, namespace: Namespace? = nil) throws {
        guard weights.count >= 2 else { throw KiteError.invalidArgument("an experiment needs at least two variants, not \(weights.count)") }
        guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw KiteError.invalidArgument("variant weights must be non-negative numbers, not \(weights)")
        }
        let sum = weights.reduce(0, +)
        guard abs(sum - 1) <= 1e-6 else { throw KiteError.invalidArgument("variant weights must sum to 1; \(weights) sum to \(sum)") }
        guard coverage.isFinite, (0...1).contains(coverage) else { throw KiteError.invalidArgument("coverage must be between 0 and 1, not \(coverage)") }
        guard hashVersion == 1 || hashVersion == 2 else { throw KiteError.invalidArgument("the hash version must be 1 or 2, not \(hashVersion)") }
        if let namespace {
            guard (0...1).contains(namespace.start), (0...1).contains(namespace.end), namespace.start <= namespace.end else {
                throw KiteError.invalidArgument("namespace '\(namespace.id)' needs 0 ≤ start ≤ end ≤ 1, not \(namespace.start)…\(namespace.end)")
            }
        }
        self.weights = weights
        self.coverage = coverage
        self.seed = seed
        self.hashVersion = hashVersion
        self.namespace = namespace
        // Summed in order, as GrowthBook's getBucketRanges does, so the boundaries are the same doubles.
        var cumulative = 0.0
        var ranges: [(start: Double, end: Double)] = []
        for weight in weights {
            let start = cumulative
            cumulative += weight
            ranges.append((start, start + coverage * weight))
        }
        self.ranges = ranges
    }

    /// The variant (an index into `weights`) of the unit `unit`, nil when the unit is outside the namespace or the
    /// coverage.
    public func variant(of unit: String) -> Int? {
        if let namespace {
            guard let position = GrowthBookHash.position(seed: "__" + namespace.id, value: unit, version: 1),
                namespace.start <= position, position < namespace.end
            else { return nil }
        }
        guard let position = GrowthBookHash.position(seed: seed, value: unit, version: hashVersion) else { return nil }
        return ranges.firstIndex { $0.start <= position && position < $0.end }
    }

    public static func == (lhs: TrafficSplit, rhs: TrafficSplit) -> Bool {
        lhs.weights == rhs.weights && lhs.coverage == rhs.coverage && lhs.seed == rhs.seed && lhs.hashVersion == rhs.hashVersion
            && lhs.namespace == rhs.namespace
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(weights)
        hasher.combine(coverage)
        hasher.combine(seed)
        hasher.combine(hashVersion)
        hasher.combine(namespace)
    }
}
