import Foundation

/// The two-sided one-sample Kolmogorov–Smirnov distribution for n values, P(D_n > x), chosen among exact and
/// approximate methods as Simard and L'Ecuyer (2011) advise and scipy's `kstwo.sf` does: Ruben–Gambino's closed
/// forms at the ends, Durbin's matrix (Marsaglia–Tsang–Wang) and Pomeranz's recursion for small n·x², twice the
/// one-sided Smirnov tail (Birnbaum–Tingey's sum) where that tail is small, and Pelz–Good's expansion otherwise.
/// Agrees with scipy to about 1e-12.
enum KolmogorovDistribution {
    /// P(D_n > x).
    static func survival(_ n: Int, _ x: Double) -> Double {
        guard n > 0, !x.isNaN else { return .nan }
        if x >= 1 { return 0 }
        if x <= 0 { return 1 }
        let count = Double(n)
        let t = count * x
        if t <= 1 {
            if t <= 0.5 { return 1 }
            let cdf: Double
            if n <= 140 {
                cdf = (1...n).reduce(1.0) { $0 * (Double($1) * (1 / count) * (2 * t - 1)) }
            } else {
                cdf = exp(logFactorialOverPower(count) + count * log(2 * t - 1))
            }
            return clip(1 - cdf)
        }
        if t >= count - 1 { return clip(2 * pow(1 - x, count)) }
        if x >= 0.5 { return clip(2 * smirnovSurvival(n, x)) }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 { return clip(1 - durbin(n, x)) }
            if nxSquared <= 4 { return clip(1 - pomeranz(n, x)) }
            return clip(2 * smirnovSurvival(n, x))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 { return clip(2 * smirnovSurvival(n, x)) }
        let cdf = n <= 100_000 && count * pow(x, 1.5) <= 1.4 ? durbin(n, x) : pelzGood(n, x)
        return clip(1 - cdf)
    }

    private static func clip(_ p: Double) -> Double { min(max(p, 0), 1) }

    /// log(n! / nⁿ) by Stirling's series with n·log(n) removed first.
    static func logFactorialOverPower(_ n: Double) -> Double {
        let coefficients = [
            -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
            -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
        ]
        let r = 1 / n
        let series = coefficients.reduce(0.0) { $0 * (r / n) + $1 }
        return log(n) / 2 - n + log(2 * Double.pi) / 2 + r * series
    }

    /// The one-sided tail P(D⁺_n ≥ x) = x·Σ_{v ≤ n(1−x)} C(n, v)·(x + v/n)^(v−1)·(1 − x − v/n)^(n−v), a sum of
    /// positive terms evaluated in logarithms.
    static func smirnovSurvival(_ n: Int, _ x: Double) -> Double {
        let count = Double(n)
        let last = min(Int((count * (1 - x)).rounded(.down)), n - 1)
        guard last >= 0 else { return 0 }
        let logNFactorial: Double = lgamma(count + 1)
        var terms: [Double] = []
        terms.reserveCapacity(last + 1)
        for v in 0...last {
            let p = x + Double(v) / count
            let q = 1 - p
            guard q > 0 else { continue }
            let logBinomial: Double = logNFactorial - lgamma(Double(v) + 1) - lgamma(count - Double(v) + 1)
            terms.append(logBinomial + Double(v - 1) * log(p) + (count - Double(v)) * log(q))
        }
        guard let largest = terms.max() else { return 0 }
        let sum = terms.reduce(0.0) { $0 + exp($1 - largest) }
        return x * exp(largest) * sum
    }

    /// P(D_n ≤ x) by Durbin's matrix: the k-th diagonal entry of (n!/nⁿ)·Hⁿ for an m×m matrix H, m = 2k − 1,
    /// powers scaled to stay in range.
    static func durbin(_ n: Int, _ x: Double) -> Double {
        let nd = Double(n) * x
        if x >= 1 { return 1 }
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var v = (1...m).map { 1 - pow(h, Double($0)) }
        var w = [Double](repeating: 0, count: m)
        var factorial = 1.0
        for j in 1...m {
            w[j - 1] = factorial
            factorial /= Double(j)
            v[j - 1] *= factorial
        }
        v[m - 1] = (1 + pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))) * factorial
        var matrix = [Double](repeating: 0, count: m * m)
        for i in 1..<m {
            for row in (i - 1)..<m { matrix[row * m + i] = w[row - (i - 1)] }
        }
        for row in 0..<m { matrix[row * m] = v[row] }
        for column in 0..<m { matrix[(m - 1) * m + column] = v[m - 1 - column] }
        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var exponent = 0
        var matrixExponent = 0
        var remaining = n
        let scale = 0x1p128
        while remaining > 0 {
            if remaining % 2 == 1 {
                power = multiply(power, matrix, m)
                exponent += matrixExponent
            }
            matrix = multiply(matrix, matrix, m)
            matrixExponent *= 2
            if abs(matrix[(k - 1) * m + k - 1]) > scale {
                for i in matrix.indices { matrix[i] /= scale }
                matrixExponent += 128
            }
            remaining /= 2
        }
        var p = power[(k - 1) * m + k - 1]
        for i in 1...n {
            p = Double(i) * p / Double(n)
            if abs(p) < 0x1p-128 {
                p *= scale
                exponent -= 128
            }
        }
        return clip(exponent == 0 ? p : scalbn(p, exponent))
    }

    private static func multiply(_ a: [Double], _ b: [Double], _ m: Int) -> [Double] {
        var result = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for k in 0..<m {
                let left = a[i * m + k]
                if left == 0 { continue }
                for j in 0..<m { result[i * m + j] += left * b[k * m + j] }
            }
        }
        return result
    }

    /// P(D_n ≤ x) by Pomeranz's recursion: rows convolved with Poisson-like weights, two rows kept, scaled.
    static func pomeranz(_ n: Int, _ x: Double) -> Double {
        let t = Double(n) * x
        let ll = Int(t.rounded(.down))
        let f = t - Double(ll)
        let g = min(f, 1 - f)
        let ceilF = f > 0 ? 1 : 0
        let roundF = f > 0.5 ? 1 : 0
        let powers = 2 * (ll + 1)
        var gPower = [Double](repeating: 1, count: powers)
        var twoGPower = [Double](repeating: 1, count: powers)
        var oneMinusTwoGPower = [Double](repeating: 1, count: powers)
        let count = Double(n)
        for m in 1..<powers {
            gPower[m] = gPower[m - 1] * (g / count) / Double(m)
            twoGPower[m] = twoGPower[m - 1] * (2 * g / count) / Double(m)
            oneMinusTwoGPower[m] = oneMinusTwoGPower[m - 1] * ((1 - 2 * g) / count) / Double(m)
        }
        var previous = [Double](repeating: 0, count: powers)
        var current = [Double](repeating: 0, count: powers)
        current[0] = 1
        var previousStart = 0
        var currentStart = 0
        var exponent = 0
        var (j1, _) = bounds(0, n, ll, ceilF, roundF)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&previous, &current)
            swap(&previousStart, &currentStart)
            for index in current.indices { current[index] = 0 }
            let (newJ1, j2) = bounds(i, n, ll, ceilF, roundF)
            j1 = newJ1
            let weights = i == 1 || i == 2 * n + 1 ? gPower : (i % 2 == 1 ? twoGPower : oneMinusTwoGPower)
            let length = j2 - k1 + 1
            if length > 0 {
                // The first (j1 − k1) + (j2 − j1 + 1) entries of the convolution of the two windows.
                let start = j1 - k1
                let used = j2 - j1 + 1
                for out in 0..<used {
                    let position = start + out
                    var sum = 0.0
                    for a in 0...min(position, length - 1) where position - a < length {
                        sum += previous[k1 - previousStart + a] * weights[position - a]
                    }
                    current[out] = sum
                }
                if let largest = current.max(), largest > 0, largest < 0x1p-128 {
                    for index in current.indices { current[index] *= 0x1p128 }
                    exponent -= 128
                }
                currentStart = previousStart + j1 - k1
            }
        }
        var answer = current[n - currentStart]
        for m in 1...n {
            if abs(answer) > 0x1p128 {
                answer *= 0x1p-128
                exponent += 128
            }
            answer *= Double(m)
        }
        return clip(exponent == 0 ? answer : scalbn(answer, exponent))
    }

    /// The columns of row `i` of Pomeranz's recursion that can be non-zero.
    private static func bounds(_ i: Int, _ n: Int, _ ll: Int, _ ceilF: Int, _ roundF: Int) -> (Int, Int) {
        var j1: Int
        var j2: Int
        if i == 0 {
            (j1, j2) = (-ll - ceilF - 1, ll + ceilF - 1)
        } else {
            let half = (i + 1) / 2
            if (i + 1) % 2 == 0 {
                if half == n + 1 {
                    (j1, j2) = (n - ll - ceilF - 1, n + ll + ceilF - 1)
                } else {
                    (j1, j2) = (half - 1 - ll - roundF - 1, half + ll - 1 + ceilF - 1)
                }
            } else {
                (j1, j2) = (half - 1 - ll - 1, half + ll + roundF - 1)
            }
        }
        return (max(j1 + 2, 0), min(j2, n))
    }

    /// P(D_n ≤ x) by Pelz and Good's expansion K0 + K1/√n + K2/n + K3/n^1.5 in Jacobi-theta form.
    static func pelzGood(_ n: Int, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let z = Double(n).squareRoot() * x
        let z2 = z * z
        let z3 = z2 * z
        let z4 = z2 * z2
        let z6 = z4 * z2
        let piSquared = Double.pi * Double.pi
        let piFour = piSquared * piSquared
        let piSix = piFour * piSquared
        let qLog = -piSquared / 8 / z2
        if qLog < -708 { return 0 }
        let q = exp(qLog)
        let k1a = -z2
        let k1b = piSquared / 4
        let k2a = 6 * z6 + 2 * z4
        let k2b = (2 * z4 - 5 * z2) * piSquared / 4
        let k2c = piFour * (1 - 2 * z2) / 16
        let k3d = piSix * (5 - 30 * z2) / 64
        let k3c = piFour * (-60 * z2 + 212 * z4) / 16
        let k3b = piSquared * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * pow(z, 8)
        var sums = [0.0, 0.0, 0.0, 0.0]
        let maxK = Int((16 * z / Double.pi).rounded(.up))
        if maxK >= 1 {
            for k in stride(from: maxK, through: 1, by: -1) {
                let m = Double(2 * k - 1)
                let m2 = m * m
                let m4 = m2 * m2
                let m6 = m4 * m2
                let qPower = pow(q, Double(8 * k))
                let coefficients = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6]
                for i in 0..<4 { sums[i] = sums[i] * qPower + coefficients[i] }
            }
        }
        let sqrt2Pi = (2 * Double.pi).squareRoot()
        let divisors = [z, 6 * z4, 72 * pow(z, 7), 6480 * pow(z, 10)]
        for i in 0..<4 { sums[i] = sums[i] * q * sqrt2Pi / divisors[i] }
        let q2 = exp(-piSquared / 2 / z2)
        var k2Extra = 0.0
        var k3Extra = 0.0
        if maxK >= 1 {
            for k in stride(from: maxK, through: 1, by: -1) {
                let kk = Double(k * k)
                let qPower = pow(q2, kk)
                k2Extra += kk * qPower
                let kPi = Double.pi * Double(k)
                k3Extra += (3.0.squareRoot() * z + kPi) * (3.0.squareRoot() * z - kPi) * kk * qPower
            }
        }
        sums[2] += k2Extra * piSquared * sqrt2Pi / (-36 * z3)
        sums[3] += k3Extra * piSquared * sqrt2Pi / (216 * z6)
        let count = Double(n)
        return sums[0] + sums[1] / count.squareRoot() + sums[2] / count + sums[3] / pow(count, 1.5)
    }
}
