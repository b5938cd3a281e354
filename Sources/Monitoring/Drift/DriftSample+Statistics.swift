import Foundation
import KiteCore

extension DriftSample {
    /// The value of `method` on this sample, computed as Evidently (and the scipy function beneath it) computes it;
    /// NaN where Evidently's would be undefined (χ² of a single category).
    func statistic(_ method: DriftMethod) -> Double {
        switch method {
        case .ks:
            guard case .numbers(let reference, let current) = values else { return .nan }
            return KolmogorovSmirnov.test(sorted: reference, current).pValue
        case .wasserstein:
            guard case .numbers(let reference, let current) = values else { return .nan }
            return Self.wasserstein(reference, current) / max(Self.standardDeviation(reference), 0.001)
        case .chisquare:
            let counts = counts()
            return Self.chiSquarePValue(reference: counts.reference, current: counts.current)
        case .z:
            let counts = counts()
            return Self.zTestPValue(first: counts.smallest, reference: counts.reference, current: counts.current)
        case .jensenshannon:
            let (reference, current) = binnedShares(fillEmpty: false)
            return Self.jensenShannon(reference, current)
        case .psi:
            let (reference, current) = binnedShares(fillEmpty: true)
            var sum = 0.0
            for i in reference.indices { sum += (reference[i] - current[i]) * log(reference[i] / current[i]) }
            return sum
        }
    }

    /// Each window's share of rows per bin: Sturges' equal-width bins over both windows for numbers whose reference
    /// has more than 20 distinct values, else one bin per distinct value. With `fillEmpty` (PSI) an empty bin gets a
    /// millionth of the smallest share when that share is at most 1e-4, else 1e-4.
    func binnedShares(fillEmpty: Bool) -> (reference: [Double], current: [Double]) {
        var referenceCounts: [Int]
        var currentCounts: [Int]
        if case .numbers(let reference, let current) = values, Self.distinctCount(reference, upTo: 21) > 20 {
            let edges = Self.sturgesEdges(reference, current, integral: integral)
            referenceCounts = Self.histogram(reference, edges: edges)
            currentCounts = Self.histogram(current, edges: edges)
        } else {
            let counts = counts()
            referenceCounts = counts.reference
            currentCounts = counts.current
        }
        var reference = referenceCounts.map { Double($0) / Double(referenceCount) }
        var current = currentCounts.map { Double($0) / Double(currentCount) }
        if fillEmpty {
            Self.fillEmpty(&reference)
            Self.fillEmpty(&current)
        }
        return (reference, current)
    }

    private static func fillEmpty(_ shares: inout [Double]) {
        guard let smallest = shares.filter({ $0 != 0 }).min() else { return }
        let fill = smallest <= 0.0001 ? smallest / 1e6 : 0.0001
        for i in shares.indices where shares[i] == 0 { shares[i] = fill }
    }

    /// The number of distinct values of a sorted array, counted up to `limit`.
    static func distinctCount(_ sorted: [Double], upTo limit: Int) -> Int {
        var count = 0
        var i = 0
        while i < sorted.count, count < limit {
            count += 1
            let value = sorted[i]
            while i < sorted.count, sorted[i] == value { i += 1 }
        }
        return count
    }

    /// numpy's `histogram_bin_edges(both, bins="sturges")`: width = range / (log2(n) + 1) (at least 1 for integer
    /// columns), ⌈range / width⌉ bins, edges `start + i·step` with the last edge the maximum.
    static func sturgesEdges(_ reference: [Double], _ current: [Double], integral: Bool) -> [Double] {
        let size = reference.count + current.count
        var first = min(reference.first ?? .infinity, current.first ?? .infinity)
        var last = max(reference.last ?? -.infinity, current.last ?? -.infinity)
        guard size > 0, first.isFinite, last.isFinite else { return [] }
        var width = (last - first) / (log2(Double(size)) + 1)
        if integral, width > 0, width < 1 { width = 1 }
        let bins = width > 0 ? Int(((last - first) / width).rounded(.up)) : 1
        if first == last {
            first -= 0.5
            last += 0.5
        }
        let step = (last - first) / Double(bins)
        var edges = (0...bins).map { Double($0) * step + first }
        edges[bins] = last
        return edges
    }

    /// numpy's `histogram(values, bins=edges)`: bins closed on the left, the last also on the right.
    static func histogram(_ sorted: [Double], edges: [Double]) -> [Int] {
        guard edges.count > 1 else { return [] }
        var positions = edges.dropLast().map { lowerBound(sorted, $0) }
        positions.append(upperBound(sorted, edges[edges.count - 1]))
        return (0..<(edges.count - 1)).map { positions[$0 + 1] - positions[$0] }
    }

    private static func lowerBound(_ sorted: [Double], _ value: Double) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private static func upperBound(_ sorted: [Double], _ value: Double) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// scipy's `wasserstein_distance`: the area between the two empirical CDFs.
    static func wasserstein(_ u: [Double], _ v: [Double]) -> Double {
        let m = Double(u.count)
        let n = Double(v.count)
        var i = 0
        var j = 0
        var sum = 0.0
        var previous: Double?
        while i < u.count || j < v.count {
            let value = j == v.count || (i < u.count && u[i] <= v[j]) ? u[i] : v[j]
            if let previous, value > previous { sum += abs(Double(i) / m - Double(j) / n) * (value - previous) }
            if j == v.count || (i < u.count && u[i] <= v[j]) { i += 1 } else { j += 1 }
            previous = value
        }
        return sum
    }

    /// numpy's `std` (population, ddof 0).
    static func standardDeviation(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (squares / Double(values.count)).squareRoot()
    }

    /// scipy's `chisquare(current, reference · n_current / n_reference)` p-value with k − 1 degrees of freedom.
    static func chiSquarePValue(reference: [Int], current: [Int]) -> Double {
        guard reference.count > 1 else { return .nan }
        let scale = Double(current.reduce(0, +)) / Double(reference.reduce(0, +))
        var statistic = 0.0
        for i in reference.indices {
            let expected = Double(reference[i]) * scale
            let difference = Double(current[i]) - expected
            statistic += difference * difference / expected
        }
        return ChiSquared.survival(statistic, degreesOfFreedom: Double(reference.count - 1))
    }

    /// Evidently's two-proportion z-test: the smallest value (`first`, in sorted order) against all others, two-sided
    /// p = 2·(1 − Φ(|z|)); 1 when both windows hold the same single value.
    static func zTestPValue(first: Int, reference: [Int], current: [Int]) -> Double {
        let inReference = reference.indices.filter { reference[$0] > 0 }
        let inCurrent = current.indices.filter { current[$0] > 0 }
        if inReference.count == 1, inCurrent == inReference { return 1 }
        guard reference.indices.contains(first) else { return .nan }
        let n1 = Double(reference.reduce(0, +))
        let n2 = Double(current.reduce(0, +))
        let p1 = (n1 - Double(reference[first])) / n1
        let p2 = (n2 - Double(current[first])) / n2
        let pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
        let z = (p1 - p2) / (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
        return 2 * (1 - Normal.cdf(abs(z)))
    }

    /// scipy's `jensenshannon(p, q)` (natural log): each normalized to sum 1, √((KL(p‖m) + KL(q‖m)) / 2).
    static func jensenShannon(_ p: [Double], _ q: [Double]) -> Double {
        let pSum = p.reduce(0, +)
        let qSum = q.reduce(0, +)
        var total = 0.0
        for i in p.indices {
            let a = p[i] / pSum
            let b = q[i] / qSum
            let m = (a + b) / 2
            total += relativeEntropy(a, m) + relativeEntropy(b, m)
        }
        return (total / 2).squareRoot()
    }

    private static func relativeEntropy(_ x: Double, _ y: Double) -> Double {
        if x > 0, y > 0 { return x * log(x / y) }
        return x == 0 && y >= 0 ? 0 : .infinity
    }
}
