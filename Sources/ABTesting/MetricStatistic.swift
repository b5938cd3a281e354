/// One variant's sufficient statistics for a metric, as GrowthBook's `gbstats` keeps them.
public enum MetricStatistic: Sendable, Hashable {
    /// A numeric metric: units, Σx and Σx².
    case mean(n: Int, sum: Double, sumSquares: Double)
    /// A 0/1 metric: units and how many had it.
    case proportion(n: Int, sum: Double)

    public var n: Int {
        switch self {
        case .mean(let n, _, _), .proportion(let n, _): n
        }
    }

    /// Σx over the units.
    public var sum: Double {
        switch self {
        case .mean(_, let sum, _), .proportion(_, let sum): sum
        }
    }

    /// Σx² over the units (for a 0/1 metric, Σx).
    public var sumSquares: Double {
        switch self {
        case .mean(_, _, let squares): squares
        case .proportion(_, let sum): sum
        }
    }

    /// The mean per unit (0 without units).
    public var mean: Double {
        switch self {
        case .mean(let n, let sum, _), .proportion(let n, let sum): n == 0 ? 0 : sum / Double(n)
        }
    }

    /// The sample variance (n − 1 in the denominator; 0 for fewer than two units), or p(1 − p) for proportions.
    public var variance: Double {
        switch self {
        case .mean(let n, let sum, let sumSquares):
            guard n > 1 else { return 0 }
            return (sumSquares - sum * sum / Double(n)) / Double(n - 1)
        case .proportion:
            return mean * (1 - mean)
        }
    }
}
