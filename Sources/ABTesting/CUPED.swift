/// CUPED: variance reduction with a pre-experiment covariate (the same metric before the experiment), as
/// `gbstats`' regression-adjusted statistics do it. θ = cov(post, pre) / var(pre) over both variants pooled;
/// each variant's mean becomes `post − θ·pre` and its variance `var(post) + θ²·var(pre) − 2θ·cov(post, pre)`.
public enum CUPED {
    /// One variant's metric in the experiment (`post`), before it (`pre`), and Σ post·pre over its units.
    public struct Metric: Sendable, Hashable {
        public var post: MetricStatistic
        public var pre: MetricStatistic
        public var sumOfProducts: Double

        public init(post: MetricStatistic, pre: MetricStatistic, sumOfProducts: Double) {
            self.post = post
            self.pre = pre
            self.sumOfProducts = sumOfProducts
        }

        /// The sample covariance of post and pre (0 for fewer than two units).
        func covariance(n: Int) -> Double {
            guard n > 1 else { return 0 }
            return (sumOfProducts - post.sum * pre.sum / Double(n)) / Double(n - 1)
        }
    }

    /// Both variants adjusted with their pooled θ; with no variance to learn from (θ = 0), unadjusted, as gbstats
    /// falls back.
    public static func adjust(control a: Metric, variant b: Metric) -> (control: ArmStatistics, variant: ArmStatistics) {
        let theta = self.theta(a, b)
        guard theta != 0 else { return (a.post.arm, b.post.arm) }
        return (adjusted(a, theta: theta), adjusted(b, theta: theta))
    }

    static func theta(_ a: Metric, _ b: Metric) -> Double {
        let n = a.post.n + b.post.n
        let post = joint(a.post, b.post, n: n)
        let pre = joint(a.pre, b.pre, n: n)
        guard pre.variance != 0, post.variance != 0 else { return 0 }
        let pooled = Metric(post: post, pre: pre, sumOfProducts: a.sumOfProducts + b.sumOfProducts)
        return pooled.covariance(n: n) / pre.variance
    }

    private static func adjusted(_ metric: Metric, theta: Double) -> ArmStatistics {
        let n = metric.post.n
        let variance = n <= 1 ? 0 : metric.post.variance + theta * theta * metric.pre.variance - 2 * theta * metric.covariance(n: n)
        return ArmStatistics(n: n, mean: metric.post.mean - theta * metric.pre.mean, unadjustedMean: metric.post.mean, variance: variance)
    }

    private static func joint(_ a: MetricStatistic, _ b: MetricStatistic, n: Int) -> MetricStatistic {
        switch (a, b) {
        case (.proportion(_, let sa), .proportion(_, let sb)): .proportion(n: n, sum: sa + sb)
        default: .mean(n: n, sum: a.sum + b.sum, sumSquares: a.sumSquares + b.sumSquares)
        }
    }
}
