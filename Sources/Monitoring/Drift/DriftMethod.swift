/// A drift test, named and thresholded as Evidently names and thresholds it.
///
/// The p-value tests (`ks`, `chisquare`, `z`) flag drift when the p-value falls below the threshold (`ks` at or
/// below); the distances (`wasserstein`, `jensenshannon`, `psi`) when the distance reaches it.
public enum DriftMethod: String, Sendable, CaseIterable, Codable {
    /// Two-sample Kolmogorov–Smirnov p-value (scipy's `ks_2samp`), numerical columns.
    case ks
    /// Pearson's χ² p-value of the current counts against the reference's proportions.
    case chisquare
    /// Two-proportion z-test p-value, for columns with two values.
    case z
    /// Wasserstein-1 distance divided by the reference's standard deviation, numerical columns.
    case wasserstein
    /// Jensen–Shannon distance (natural log) of the binned distributions.
    case jensenshannon
    /// Population stability index of the binned distributions, empty bins filled.
    case psi

    /// The name Evidently shows (`ValueDrift(method=…)`).
    public var displayName: String {
        switch self {
        case .ks: "K-S p_value"
        case .chisquare: "chi-square p_value"
        case .z: "Z-test p_value"
        case .wasserstein: "Wasserstein distance (normed)"
        case .jensenshannon: "Jensen-Shannon distance"
        case .psi: "PSI"
        }
    }

    /// Whether the statistic is a p-value (small means drift) rather than a distance (large means drift).
    public var isPValue: Bool {
        switch self {
        case .ks, .chisquare, .z: true
        case .wasserstein, .jensenshannon, .psi: false
        }
    }

    /// Evidently's default threshold: 0.05 for p-values, 0.1 for distances.
    public var defaultThreshold: Double { isPValue ? 0.05 : 0.1 }

    /// Whether the method accepts a column of this kind.
    public func accepts(_ kind: ColumnKind) -> Bool {
        switch self {
        case .ks, .wasserstein: kind == .numerical
        case .chisquare, .z: kind == .categorical
        case .jensenshannon, .psi: true
        }
    }

    /// Whether `value` means drift at `threshold`.
    public func drifted(_ value: Double, threshold: Double) -> Bool {
        switch self {
        case .ks: value <= threshold
        case .chisquare, .z: value < threshold
        case .wasserstein, .jensenshannon, .psi: value >= threshold
        }
    }

    /// Evidently's choice for a column: below 1,001 reference rows KS for numbers with more than five values,
    /// else χ² (more than two values) or z; above, normed Wasserstein for numbers with more than five values, else
    /// Jensen–Shannon. `distinctValues` counts both windows together.
    public static func evidentlyDefault(kind: ColumnKind, referenceRows: Int, distinctValues: Int) -> DriftMethod {
        if referenceRows <= 1000 {
            if kind == .numerical, distinctValues > 5 { return .ks }
            return distinctValues > 2 ? .chisquare : .z
        }
        return kind == .numerical && distinctValues > 5 ? .wasserstein : .jensenshannon
    }
}

/// How a column's values are compared: as numbers on a line or as unordered categories.
public enum ColumnKind: String, Sendable, Codable {
    case numerical
    case categorical
}
