import Foundation

/// The two-sample Kolmogorov–Smirnov test, two-sided, as scipy's `ks_2samp(method="auto")` computes it.
///
/// The statistic is the largest gap between the two empirical CDFs. When neither sample has more than 10,000
/// values the p-value is exact — the proportion of lattice paths that leave the band |x/m − y/n| < h/lcm(m, n)
/// (Hodges; for unequal sizes Viehmann's recursion for 1 − p, for equal sizes the alternating binomial sum) — and
/// equals scipy's to rounding. For larger samples the p-value is the finite-n distribution's tail at n =
/// round(mn/(m+n)) (`KolmogorovDistribution`, scipy's `kstwo.sf`).
public enum KolmogorovSmirnov {
    /// Above this many values in either sample the p-value is asymptotic (scipy's `MAX_AUTO_N`).
    public static let exactLimit = 10_000

    /// The statistic D and the two-sided p-value of two sorted samples, each non-empty.
    public static func test(sorted first: [Double], _ second: [Double]) -> (statistic: Double, pValue: Double) {
        let m = first.count
        let n = second.count
        guard m > 0, n > 0 else { return (.nan, .nan) }
        let d = statistic(first, second)
        if max(m, n) <= exactLimit, let p = exactPValue(m, n, d) { return (d, p) }
        let en = (Double(m) * Double(n) / Double(m + n)).rounded(.toNearestOrEven)
        return (d, KolmogorovDistribution.survival(Int(en), d))
    }

    /// The largest absolute difference of the two empirical CDFs, evaluated at every value.
    static func statistic(_ a: [Double], _ b: [Double]) -> Double {
        let m = Double(a.count)
        let n = Double(b.count)
        var i = 0
        var j = 0
        var largest = -Double.infinity
        var smallest = Double.infinity
        while i < a.count || j < b.count {
            let value = j == b.count || (i < a.count && a[i] <= b[j]) ? a[i] : b[j]
            while i < a.count, a[i] <= value { i += 1 }
            while j < b.count, b[j] <= value { j += 1 }
            let difference = Double(i) / m - Double(j) / n
            largest = max(largest, difference)
            smallest = min(smallest, difference)
        }
        let below = min(max(-smallest, 0), 1)
        return below > largest ? below : largest
    }

    /// scipy's exact two-sided p-value, or nil where its arithmetic would fail (it then falls back).
    static func exactPValue(_ m: Int, _ n: Int, _ d: Double) -> Double? {
        let g = gcd(m, n)
        let lcm = (m / g) * n
        let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
        if h == 0 { return 1 }
        let p = m == n ? outsideSquare(n, h) : outsideBand(m, n, g, h)
        guard p.isFinite, p >= 0, p <= 1 else { return nil }
        return p
    }

    /// Pr(D_{n,n} ≥ h/n) = 2·Σ_k (−1)^(k−1)·C(2n, n−kh)/C(2n, n), evaluated Horner-style from the last term.
    static func outsideSquare(_ n: Int, _ h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var term = 1.0
            for j in 0..<h { term = Double(n - k * h - j) * term / Double(n + k * h + j + 1) }
            p = term * (1 - p)
            k -= 1
        }
        return 2 * p
    }

    /// The proportion of lattice paths from (0, 0) to (m, n) that touch |nx − my|/g ≥ h, by one sliding column of
    /// the path-count table holding 1 − (paths inside)/(paths so far).
    static func outsideBand(_ first: Int, _ second: Int, _ g: Int, _ h: Int) -> Double {
        let (m, n) = first >= second ? (first, second) : (second, first)
        let mg = m / g
        let ng = n / g
        var low = 0
        var high = min(ceilDivision(h, mg), n + 1)
        var length = high - low
        var column = [Double](repeating: 1, count: min(2 * high + 2, n + 1))
        for j in low..<high { column[j] = 0 }
        for i in 1...m {
            let previousLow = low
            let previousLength = length
            low = min(max(floorDivision(ng * i - h, mg) + 1, 0), n)
            high = min(ceilDivision(ng * i + h, mg), n + 1)
            if high <= low { return 1 }
            var value = low == 0 ? 0.0 : 1.0
            for offset in 0..<(high - low) {
                let j = offset + low
                value = (column[offset + low - previousLow] * Double(i) + value * Double(j)) / Double(i + j)
                column[offset] = value
            }
            length = high - low
            if previousLength > length {
                for k in length..<min(previousLength, column.count) { column[k] = 1 }
            }
        }
        return column[high - low - 1]
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
    private static func floorDivision(_ a: Int, _ b: Int) -> Int { Int((Double(a) / Double(b)).rounded(.down)) }
    private static func ceilDivision(_ a: Int, _ b: Int) -> Int { Int((Double(a) / Double(b)).rounded(.up)) }
}
