import KiteCore

/// Quantile bins of each feature, as LightGBM makes them: up to `maxBins − 1` value bins found on a sample, with
/// bin 0 for missing values (NaN). A value goes to bin `1 + (number of thresholds below it)`, so `x ≤ threshold[k]`
/// is exactly `bin ≤ k + 1`. A categorical feature has one bin per category code instead: code c (the value
/// truncated toward zero) in bin c + 1, and a missing, negative or unseen code in bin 0.
public struct FeatureBins: Sendable, Hashable, Codable {
    /// Per feature, the ascending split thresholds (midpoints between neighbouring sample values).
    public var thresholds: [[Double]]
    /// Per feature, its number of categories (codes 0 ..< n), or 0 for a numeric feature; absent when none is
    /// categorical.
    public var categoryCounts: [Int]?

    /// The number of bins of `feature`, the missing bin included.
    public func binCount(_ feature: Int) -> Int {
        if let categories = categoryCounts?[feature], categories > 0 { return categories + 1 }
        return thresholds[feature].count + 2
    }

    /// Whether `feature` is binned by category.
    public func isCategorical(_ feature: Int) -> Bool { (categoryCounts?[feature] ?? 0) > 0 }

    /// Bins for the columns of `features`, from at most `sampleSize` rows picked by `seed`; the `categorical`
    /// columns hold category codes, at most `maxBins` − 1 of them.
    public init(features: Matrix, maxBins: Int, sampleSize: Int = 200_000, seed: UInt64, categorical: Set<Int> = []) throws {
        guard (3...256).contains(maxBins) else { throw KiteError.invalidArgument("max_bins must be between 3 and 256, not \(maxBins)") }
        var rows = Array(0..<features.rows)
        if rows.count > sampleSize {
            var generator = SeededGenerator(seed: seed)
            rows.shuffle(using: &generator)
            rows = Array(rows.prefix(sampleSize)).sorted()
        }
        if !categorical.isEmpty {
            categoryCounts = try (0..<features.columns).map { column in
                guard categorical.contains(column) else { return 0 }
                var largest = -1
                for row in 0..<features.rows {
                    let value = features[row, column]
                    if value > -1, value < 1e9 { largest = Swift.max(largest, Int(value)) }
                }
                guard largest + 1 <= maxBins - 1 else {
                    throw KiteError.invalidArgument(
                        "categorical feature \(column) has codes up to \(largest); at most \(maxBins - 1) categories fit max_bin \(maxBins)")
                }
                return Swift.max(largest + 1, 1)
            }
        }
        let valueBins = maxBins - 1
        thresholds = (0..<features.columns).map { column in
            if categorical.contains(column) { return [] }
            var values = rows.map { features[$0, column] }.filter { !$0.isNaN }
            values.sort()
            var distinct: [Double] = []
            var counts: [Int] = []
            for value in values {
                if value == distinct.last {
                    counts[counts.count - 1] += 1
                } else {
                    distinct.append(value)
                    counts.append(1)
                }
            }
            guard distinct.count > 1 else { return [] }
            if distinct.count <= valueBins {
                return (1..<distinct.count).map { Self.midpoint(distinct[$0 - 1], distinct[$0]) }
            }
            // Equal-count bins over the sample: a boundary after each run of about n / bins values.
            var cuts: [Double] = []
            let perBin = Double(values.count) / Double(valueBins)
            var seen = 0
            var next = perBin
            for index in 0..<(distinct.count - 1) {
                seen += counts[index]
                if Double(seen) >= next {
                    cuts.append(Self.midpoint(distinct[index], distinct[index + 1]))
                    while Double(seen) >= next { next += perBin }
                    if cuts.count == valueBins - 1 { break }
                }
            }
            return cuts
        }
    }

    private static func midpoint(_ a: Double, _ b: Double) -> Double {
        let middle = a + (b - a) / 2
        return middle < b ? middle : a
    }

    /// The bin of `value` in `feature`.
    @inline(__always)
    public func bin(_ value: Double, feature: Int) -> UInt8 {
        if value.isNaN { return 0 }
        if let categories = categoryCounts?[feature], categories > 0 {
            guard value > -1, value < Double(categories) else { return 0 }
            return UInt8(truncatingIfNeeded: Int(value) + 1)
        }
        let cuts = thresholds[feature]
        var low = 0
        var high = cuts.count
        while low < high {
            let middle = (low + high) / 2
            if cuts[middle] < value { low = middle + 1 } else { high = middle }
        }
        return UInt8(truncatingIfNeeded: low + 1)
    }

    /// Every value's bin, column by column (`bins[feature * rows + row]`), row chunks on all cores.
    public func binned(_ features: Matrix) -> [UInt8] {
        let (rows, columns) = (features.rows, features.columns)
        var bins = [UInt8](repeating: 0, count: rows * columns)
        bins.withUnsafeMutableBufferPointer { out in
            features.values.withUnsafeBufferPointer { values in
                let buffers = UncheckedSendable((out, values))
                Parallel.forEachChunk(rows, minimumChunk: 20_000) { _, range in
                    let (out, values) = buffers.value
                    for row in range {
                        for feature in 0..<columns { out[feature * rows + row] = bin(values[row * columns + feature], feature: feature) }
                    }
                }
            }
        }
        return bins
    }
}
