import Foundation

/// Latency percentiles from the server's own histograms (`kite_prediction_duration_seconds`, by model, version
/// and part), estimated as Prometheus's `histogram_quantile` estimates them: linearly inside the bucket that holds
/// the rank, and the last finite bound when the rank falls in the `+Inf` bucket.
enum HistogramQuantiles {
    /// One model version's part (`total`, `features`, `preprocessing`, `model`) since the server started.
    struct Series: Equatable {
        var version: String
        var part: String
        var count: Double
        /// Seconds.
        var p50: Double
        var p95: Double
        var p99: Double
    }

    /// The series of `model` in the exposition `text`, by version and then part.
    static func predictionLatency(_ text: String, model: String) -> [Series] {
        var buckets: [String: [(bound: Double, count: Double)]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("kite_prediction_duration_seconds_bucket{") {
            guard let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}"),
                let count = Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces))
            else { continue }
            let labels = Self.labels(String(line[line.index(after: open)..<close]))
            guard labels["model"] == model, let version = labels["version"], let part = labels["part"], let le = labels["le"] else { continue }
            let bound = le == "+Inf" ? Double.infinity : Double(le) ?? .nan
            buckets["\(version)\u{0}\(part)", default: []].append((bound, count))
        }
        return buckets.compactMap { key, values -> Series? in
            let parts = key.split(separator: "\u{0}").map(String.init)
            let sorted = values.filter { !$0.bound.isNaN }.sorted { $0.bound < $1.bound }
            guard parts.count == 2, let total = sorted.last?.count, total > 0, let p50 = quantile(0.5, sorted), let p95 = quantile(0.95, sorted),
                let p99 = quantile(0.99, sorted)
            else { return nil }
            return Series(version: parts[0], part: parts[1], count: total, p50: p50, p95: p95, p99: p99)
        }.sorted { ($0.version, order($0.part)) < ($1.version, order($1.part)) }
    }

    /// The `q` quantile of cumulative buckets sorted by bound (the last `+Inf`).
    static func quantile(_ q: Double, _ buckets: [(bound: Double, count: Double)]) -> Double? {
        guard let total = buckets.last?.count, total > 0 else { return nil }
        let rank = q * total
        var previousBound = 0.0
        var previousCount = 0.0
        for (bound, count) in buckets {
            if count >= rank {
                if bound.isInfinite { return previousBound }
                if count == previousCount { return bound }
                return previousBound + (bound - previousBound) * (rank - previousCount) / (count - previousCount)
            }
            previousBound = bound
            previousCount = count
        }
        return previousBound
    }

    private static func order(_ part: String) -> Int { ["total", "features", "preprocessing", "model"].firstIndex(of: part) ?? 9 }

    /// `a="x",b="y"` as a dictionary (values are label values Kite writes: no escaped quotes).
    private static func labels(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let sides = pair.split(separator: "=", maxSplits: 1)
            guard sides.count == 2 else { continue }
            result[String(sides[0])] = String(sides[1].dropFirst().dropLast())
        }
        return result
    }
}
