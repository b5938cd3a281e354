import Testing

@testable import KiteServer

/// Percentiles from the server's histograms, as Prometheus's `histogram_quantile` computes them.
@Suite struct HistogramQuantilesTests {
    @Test func interpolatesInsideTheBucketHoldingTheRank() {
        let buckets: [(bound: Double, count: Double)] = [(0.1, 10), (0.5, 30), (1, 40), (.infinity, 40)]
        // p50: rank 20 lies in (0.1, 0.5], half way from count 10 to 30; p95: rank 38 in (0.5, 1], 8 of 10.
        let median: Double = 0.1 + 0.4 * 0.5
        let high: Double = 0.5 + 0.5 * 0.8
        #expect(HistogramQuantiles.quantile(0.5, buckets) == median)
        // In the first bucket the lower bound is 0: rank 4 of its 10 is 0.04.
        #expect(abs((HistogramQuantiles.quantile(0.1, buckets) ?? 0) - 0.04) < 1e-15)
        #expect(HistogramQuantiles.quantile(0.95, buckets) == high)
        // A rank in the +Inf bucket is the last finite bound; no observations, no quantile.
        #expect(HistogramQuantiles.quantile(0.99, [(0.1, 1), (.infinity, 10)]) == 0.1)
        #expect(HistogramQuantiles.quantile(0.5, [(0.1, 0), (.infinity, 0)]) == nil)
    }

    @Test func readsTheServersExpositionText() {
        let text = """
            kite_prediction_duration_seconds_bucket{model="fraud",version="2",part="total",le="0.001"} 4
            kite_prediction_duration_seconds_bucket{model="fraud",version="2",part="total",le="0.01"} 8
            kite_prediction_duration_seconds_bucket{model="fraud",version="2",part="total",le="+Inf"} 8
            kite_prediction_duration_seconds_bucket{model="other",version="1",part="total",le="+Inf"} 3
            kite_prediction_duration_seconds_count{model="fraud",version="2",part="total"} 8
            """
        let series = HistogramQuantiles.predictionLatency(text, model: "fraud")
        #expect(series.count == 1)
        #expect(series.first?.version == "2" && series.first?.part == "total" && series.first?.count == 8)
        #expect(series.first?.p50 == 0.001)
        let p99: Double = 0.001 + 0.009 * (3.92 / 4)
        #expect(series.first.map { abs($0.p99 - p99) < 1e-15 } == true)
    }
}
