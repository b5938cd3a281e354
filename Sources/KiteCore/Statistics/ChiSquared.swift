import Foundation

/// The χ² distribution's survival function, through the regularized upper incomplete gamma function
/// Q(k/2, x/2): a series below `a + 1`, Lentz's continued fraction above (Numerical Recipes, 6.2), to about
/// 1e-15 relative.
public enum ChiSquared {
    /// P(X > x) for X ~ χ²(k).
    public static func survival(_ x: Double, degreesOfFreedom k: Double) -> Double {
        guard x > 0 else { return 1 }
        guard x.isFinite else { return 0 }
        return upperRegularizedGamma(k / 2, x / 2)
    }

    /// Q(a, x) = Γ(a, x) / Γ(a).
    public static func upperRegularizedGamma(_ a: Double, _ x: Double) -> Double {
        let logPrefix = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            // P(a, x) by its series; Q = 1 − P.
            var term = 1 / a
            var sum = term
            var n = a
            for _ in 0..<10_000 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) <= abs(sum) * 1e-16 { break }
            }
            return max(0, 1 - sum * exp(logPrefix))
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= 1e-16 { break }
        }
        return exp(logPrefix) * h
    }
}
