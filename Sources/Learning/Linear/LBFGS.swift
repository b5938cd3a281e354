import KiteCore

/// Limited-memory BFGS with a backtracking (Armijo) line search, for smooth convex objectives.
enum LBFGS {
    /// The minimizer of `objective` (value and gradient) from `start`; stops when every gradient component is
    /// below `gradientTolerance` or the value stops decreasing.
    static func minimize(
        _ objective: ([Double]) -> (value: Double, gradient: [Double]), start: [Double], memory: Int = 10,
        maxIterations: Int, gradientTolerance: Double
    ) throws -> [Double] {
        var x = start
        var (value, gradient) = objective(x)
        var steps: [[Double]] = []
        var changes: [[Double]] = []
        for _ in 0..<maxIterations {
            if gradient.allSatisfy({ abs($0) <= gradientTolerance }) { return x }
            // Two-loop recursion: direction = −H·g.
            var q = gradient
            var alphas: [Double] = []
            for (s, y) in zip(steps, changes).reversed() {
                let alpha = dot(s, q) / dot(y, s)
                alphas.append(alpha)
                for i in q.indices { q[i] -= alpha * y[i] }
            }
            if let s = steps.last, let y = changes.last {
                let scale = dot(s, y) / dot(y, y)
                for i in q.indices { q[i] *= scale }
            }
            for ((s, y), alpha) in zip(zip(steps, changes), alphas.reversed()) {
                let beta = dot(y, q) / dot(y, s)
                for i in q.indices { q[i] += (alpha - beta) * s[i] }
            }
            var direction = q.map { -$0 }
            var slope = dot(direction, gradient)
            if slope >= 0 {
                // Not a descent direction (curvature lost): restart from steepest descent.
                direction = gradient.map { -$0 }
                slope = dot(direction, gradient)
                steps.removeAll()
                changes.removeAll()
            }
            var stepLength = steps.isEmpty ? Swift.min(1, 1 / Swift.max(1e-300, gradient.map(abs).max() ?? 1)) : 1
            var next = x
            var nextValue = value
            var nextGradient = gradient
            var accepted = false
            for _ in 0..<60 {
                for i in x.indices { next[i] = x[i] + stepLength * direction[i] }
                (nextValue, nextGradient) = objective(next)
                if nextValue <= value + 1e-4 * stepLength * slope {
                    accepted = true
                    break
                }
                stepLength *= 0.5
            }
            guard accepted else { return x }  // No decrease is possible at this precision: x is the optimum.
            let s = zip(next, x).map { $0 - $1 }
            let y = zip(nextGradient, gradient).map { $0 - $1 }
            if dot(s, y) > 1e-300 {
                steps.append(s)
                changes.append(y)
                if steps.count > memory {
                    steps.removeFirst()
                    changes.removeFirst()
                }
            }
            let decrease = value - nextValue
            x = next
            value = nextValue
            gradient = nextGradient
            if decrease <= 1e-16 * Swift.max(1, abs(value)), gradient.allSatisfy({ abs($0) <= gradientTolerance * 1e3 }) { return x }
        }
        throw KiteError.invalidArgument("the optimizer did not converge in \(maxIterations) iterations; raise max_iterations or scale the features")
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var total = 0.0
        for i in a.indices { total += a[i] * b[i] }
        return total
    }
}
