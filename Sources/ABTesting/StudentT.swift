import Foundation
import KiteCore

/// Student's t distribution: its CDF through the regularized incomplete beta function (Lentz's continued fraction,
/// Numerical Recipes 6.4) and its quantile by Newton's method from a normal start, to about 1e-14.
enum StudentT {
    /// P(T ≤ t) with `dof` degrees of freedom.
    static func cdf(_ t: Double, dof: Double) -> Double {
        guard t.isFinite else { return t > 0 ? 1 : 0 }
        let tail = 0.5 * incompleteBeta(dof / (dof + t * t), a: dof / 2, b: 0.5)
        return t > 0 ? 1 - tail : tail
    }

    /// P(T > |t|) · 2, computed without cancellation.
    static func twoSidedTail(_ t: Double, dof: Double) -> Double {
        guard t.isFinite else { return 0 }
        return incompleteBeta(dof / (dof + t * t), a: dof / 2, b: 0.5)
    }

    static func density(_ t: Double, dof: Double) -> Double {
        exp(lgamma((dof + 1) / 2) - lgamma(dof / 2) - 0.5 * log(dof * Double.pi) - (dof + 1) / 2 * log1p(t * t / dof))
    }

    /// The t with `cdf(t) = p`.
    static func quantile(_ p: Double, dof: Double) -> Double {
        guard p > 0, p < 1 else { return p <= 0 ? -.infinity : .infinity }
        var t = Normal.quantile(p)
        for _ in 0..<100 {
            let step = (cdf(t, dof: dof) - p) / density(t, dof: dof)
            t -= step
            if abs(step) <= 1e-15 * max(1, abs(t)) { break }
        }
        return t
    }

    /// I_x(a, b), the regularized incomplete beta function.
    static func incompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        guard x > 0 else { return 0 }
        guard x < 1 else { return 1 }
        let front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x))
        if x < (a + 1) / (a + b + 2) { return front * continuedFraction(x, a: a, b: b) / a }
        return 1 - front * continuedFraction(1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1..<10_000 {
            let m = Double(m)
            var numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= 1e-16 { break }
        }
        return h
    }
}
