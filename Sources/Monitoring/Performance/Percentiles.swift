/// Percentiles as numpy computes them by default (linear interpolation between the closest ranks).
enum Percentiles {
    /// The `q`-th percentile (0…100) of sorted values; nil for none.
    static func of(sorted values: [Double], _ q: Double) -> Double? {
        guard let first = values.first else { return nil }
        if values.count == 1 { return first }
        let position = q / 100 * Double(values.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, values.count - 1)
        let fraction = position - Double(below)
        return values[below] + (values[above] - values[below]) * fraction
    }
}
