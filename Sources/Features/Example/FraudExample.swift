import Foundation
import KiteCore
import Parquet

/// The example project `kite init --example fraud` writes: a deterministic synthetic card-transaction world.
///
/// Customers and merchants transact over 60 days. Fraud depends on the features through a known rule — a large
/// amount relative to the customer's 7-day average, a risky merchant (high 30-day fraud rate), night-time — plus
/// noise; in the last 10 days amounts grow and fraud shifts, for drift monitoring later. Feature tables are
/// computed from the transactions as they would be known at each moment (never including the future).
public struct FraudExample: Sendable {
    /// Transactions to generate.
    public var rows: Int
    /// The seed: the same seed gives the same world, byte for byte.
    public var seed: UInt64

    public static let days = 60
    public static let driftDays = 10
    /// 2026-01-01T00:00:00Z.
    public static let start: Int64 = 1_767_225_600_000_000

    /// An example of `rows` transactions.
    public init(rows: Int = 1_000_000, seed: UInt64 = 7) {
        self.rows = rows
        self.seed = seed
    }

    /// What was written, for the caller to report.
    public struct Summary: Sendable {
        public var transactions: Int
        public var customers: Int
        public var merchants: Int
        public var fraudRate: Double
    }

    /// The nightly pipeline: fresh features to the online store, every labelled transaction scored as of the run in
    /// two shards, then the monitors checked (run it with kite pipelines run nightly; kite scheduler runs it at
    /// 02:00 UTC).
    public static let nightlyPipelineYAML = """
        # Nightly: materialize the online views up to the run's time, then score in batch as of that time.
        # kite pipelines run nightly --project DIR runs it now; kite scheduler runs it when due;
        # kite airflow export writes it as an Airflow DAG.
        name: nightly
        schedule: "0 2 * * *"
        timezone: UTC
        catchup: latest
        steps:
          - name: materialize
            materialize-incremental: {}
            retries: 2
            retry_delay: 30s
          - name: score
            depends_on: [materialize]
            batch-predict: {model: fraud@champion, entities: data/labels.parquet, out: "scores/nightly/{{ ds }}", at: "{{ ts }}", shards: 2}
            retries: 2
            retry_delay: 30s
            timeout: 1h
          - name: monitor
            depends_on: [score]
            command: [monitor, check, --at, "{{ ts }}"]

        """

    /// The fraud model's monitor: drift, performance against the champion's holdout, latency.
    public static let monitorYAML = """
        # The fraud model's health: kite monitor check --project DIR evaluates these rules over the last 7 days of
        # the prediction log (the nightly pipeline does it after scoring); kite monitor report shows the figures.
        # To be notified when a rule starts firing or resolves, put a webhook URL in an environment variable and
        # name it here:  webhook_env: KITE_ALERT_WEBHOOK
        model: fraud
        window: 7d
        rules:
          - name: inputs drifted
            when: drift_share > 0.5
          - name: auc below the champion's holdout
            when: auc < champion.auc - 0.02
          - name: slow predictions
            when: p99_latency_ms > 20

        """

    /// Writes kite.yaml, features/fraud.yaml, the training configs train/gbdt.yaml and train/logistic.yaml, the
    /// nightly pipeline pipelines/nightly.yaml, the monitor monitors/fraud.yaml, and the Parquet data under `folder` (which must be empty or absent).
    public func write(to folder: String) async throws -> Summary {
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: folder), !existing.isEmpty {
            throw KiteError(.alreadyExists, "\(folder) is not empty; choose a new folder for the example project")
        }
        guard rows >= 100 else { throw KiteError.invalidArgument("the example needs at least 100 transactions (--rows)") }
        for sub in ["features", "data", "train", "pipelines"] {
            try manager.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
        }
        try Self.projectYAML.write(toFile: folder + "/kite.yaml", atomically: true, encoding: .utf8)
        try Self.featuresYAML.write(toFile: folder + "/features/fraud.yaml", atomically: true, encoding: .utf8)
        try Self.trainingYAML(learner: "gbdt").write(toFile: folder + "/train/gbdt.yaml", atomically: true, encoding: .utf8)
        try Self.trainingYAML(learner: "logistic").write(toFile: folder + "/train/logistic.yaml", atomically: true, encoding: .utf8)
        try Self.nightlyPipelineYAML.write(toFile: folder + "/pipelines/nightly.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/monitors", withIntermediateDirectories: true)
        try Self.monitorYAML.write(toFile: folder + "/monitors/fraud.yaml", atomically: true, encoding: .utf8)

        let world = try generate()
        let data = folder + "/data/"
        try await ParquetWriter.write(world.transactions, to: data + "transactions.parquet")
        try await ParquetWriter.write(world.customerStats, to: data + "customer_stats.parquet")
        try await ParquetWriter.write(world.merchantStats, to: data + "merchant_stats.parquet")
        try await ParquetWriter.write(world.labels, to: data + "labels.parquet")
        return world.summary
    }

    struct World {
        var transactions: DataFrame
        var customerStats: DataFrame
        var merchantStats: DataFrame
        var labels: DataFrame
        var summary: Summary
    }

    func generate() throws -> World {
        var random = SeededGenerator(seed: seed)
        let customers = Swift.max(10, rows / 50)
        let merchants = Swift.max(5, rows / 500)
        // Each customer has a typical amount; each merchant a riskiness.
        let typical = (0..<customers).map { _ in 10 + 90 * random.unit() * random.unit() * 3 }
        let risk = (0..<merchants).map { _ in random.unit() < 0.1 ? 0.3 + 0.5 * random.unit() : 0.02 * random.unit() }
        let drawn = drawTransactions(customers: customers, merchants: merchants, typical: typical, random: &random)
        let windows = customerWindows(drawn, customers: customers)
        let fraud = drawLabels(drawn, windows: windows, typical: typical, risk: risk, random: &random)
        let merchantStats = try merchantFraudRates(drawn, fraud: fraud, merchants: merchants)
        let ids = (0..<rows).map { Int64($0) }
        let transactions = try DataFrame([
            ("transaction_id", .int64s(ids)), ("customer_id", .int64s(drawn.customer)), ("merchant_id", .int64s(drawn.merchant)),
            ("amount", .float64s(drawn.amount)), ("event_timestamp", .timestamps(drawn.times)),
        ])
        let customerStats = try DataFrame([
            ("customer_id", .int64s(drawn.customer)), ("event_timestamp", .timestamps(drawn.times)),
            ("spend_1d", .float64s(windows.spend1)), ("spend_7d", .float64s(windows.spend7)), ("txn_count_7d", .int64s(windows.count7)),
            ("avg_amount_7d", .float64s(windows.average7)),
        ])
        let labels = try DataFrame([
            ("transaction_id", .int64s(ids)), ("customer_id", .int64s(drawn.customer)), ("merchant_id", .int64s(drawn.merchant)),
            ("amount", .float64s(drawn.amount)), ("event_timestamp", .timestamps(drawn.times)), ("is_fraud", .bools(fraud)),
        ])
        let rate = Double(fraud.filter { $0 }.count) / Double(rows)
        return World(
            transactions: transactions, customerStats: customerStats, merchantStats: merchantStats, labels: labels,
            summary: Summary(transactions: rows, customers: customers, merchants: merchants, fraudRate: rate))
    }

    /// The transactions' columns, in time order.
    private struct Transactions {
        var times: [Int64]
        var customer: [Int64]
        var merchant: [Int64]
        var amount: [Double]
    }

    /// Each transaction's customer statistics as known just before it: spend over 1 and 7 days, count and mean over 7.
    private struct CustomerWindows {
        var spend1: [Double]
        var spend7: [Double]
        var count7: [Int64]
        var average7: [Double?]
    }

    private var driftStart: Int64 { Self.start + Int64(Self.days - Self.driftDays) * Timestamp.microsPerDay }

    /// Draws times, customers, merchants and amounts; amounts grow in the drift period.
    private func drawTransactions(customers: Int, merchants: Int, typical: [Double], random: inout SeededGenerator) -> Transactions {
        let span = Int64(Self.days) * Timestamp.microsPerDay
        var times = (0..<rows).map { _ in Self.start + Int64(random.unit() * Double(span)) }
        times.sort()
        var drawn = Transactions(
            times: times, customer: Array(repeating: 0, count: rows), merchant: Array(repeating: 0, count: rows),
            amount: Array(repeating: 0, count: rows))
        for i in 0..<rows {
            let c = random.below(customers)
            drawn.customer[i] = Int64(c)
            drawn.merchant[i] = Int64(random.below(merchants))
            let drift = times[i] >= driftStart ? 1.6 : 1.0
            drawn.amount[i] = (typical[c] * drift * (0.2 + 1.6 * random.unit()) * 100).rounded() / 100
        }
        return drawn
    }

    private func customerWindows(_ drawn: Transactions, customers: Int) -> CustomerWindows {
        let day = Timestamp.microsPerDay
        var windows = CustomerWindows(
            spend1: Array(repeating: 0, count: rows), spend7: Array(repeating: 0, count: rows), count7: Array(repeating: 0, count: rows),
            average7: Array(repeating: nil, count: rows))
        var history = [[Int]](repeating: [], count: customers)
        for i in 0..<rows {
            let c = Int(drawn.customer[i])
            var s1 = 0.0
            var s7 = 0.0
            var n7: Int64 = 0
            for j in history[c].reversed() {
                let age = drawn.times[i] - drawn.times[j]
                if age > 7 * day { break }
                s7 += drawn.amount[j]
                n7 += 1
                if age <= day { s1 += drawn.amount[j] }
            }
            windows.spend1[i] = s1
            windows.spend7[i] = s7
            windows.count7[i] = n7
            windows.average7[i] = n7 > 0 ? s7 / Double(n7) : nil
            history[c].append(i)
            if history[c].count > 256 { history[c].removeFirst(128) }
        }
        return windows
    }

    /// The label: a known rule on the features plus noise; drift changes how often fraud happens.
    private func drawLabels(
        _ drawn: Transactions, windows: CustomerWindows, typical: [Double], risk: [Double], random: inout SeededGenerator
    ) -> [Bool] {
        (0..<rows).map { i in
            let ratio = drawn.amount[i] / (windows.average7[i] ?? typical[Int(drawn.customer[i])])
            let hour = Int((drawn.times[i] % Timestamp.microsPerDay) / 3_600_000_000)
            let night = hour < 6 ? 1.0 : 0.0
            let drifting = drawn.times[i] >= driftStart
            let score = -5.4 + 1.1 * Swift.min(ratio, 5) + 6 * risk[Int(drawn.merchant[i])] + 0.8 * night + (drifting ? 0.5 : 0)
            return random.unit() < 1 / (1 + exp(-score))
        }
    }

    /// Each merchant's fraud rate over the trailing 30 days, published at the end of each day.
    private func merchantFraudRates(_ drawn: Transactions, fraud: [Bool], merchants: Int) throws -> DataFrame {
        let day = Timestamp.microsPerDay
        var perDay = [[(frauds: Int, total: Int)]](repeating: Array(repeating: (0, 0), count: merchants), count: Self.days)
        for i in 0..<rows {
            let d = Int((drawn.times[i] - Self.start) / day)
            guard d >= 0 && d < Self.days else { continue }
            let m = Int(drawn.merchant[i])
            perDay[d][m].frauds += fraud[i] ? 1 : 0
            perDay[d][m].total += 1
        }
        var merchantIDs: [Int64] = []
        var merchantTimes: [Int64] = []
        var merchantRates: [Double?] = []
        for d in 0..<Self.days {
            for m in 0..<merchants {
                var frauds = 0
                var total = 0
                for back in Swift.max(0, d - 29)...d {
                    frauds += perDay[back][m].frauds
                    total += perDay[back][m].total
                }
                merchantIDs.append(Int64(m))
                merchantTimes.append(Self.start + Int64(d + 1) * day)
                merchantRates.append(total > 0 ? Double(frauds) / Double(total) : nil)
            }
        }
        return try DataFrame([
            ("merchant_id", .int64s(merchantIDs)), ("event_timestamp", .timestamps(merchantTimes)),
            ("fraud_rate_30d", .float64s(merchantRates)),
        ])
    }

    static let projectYAML = """
        # The fraud example project. Stores default to embedded ones; point them at S3, Redis or PostgreSQL by URL.
        project: fraud
        registry: sqlite:.kite/registry.db
        offline_store: file:data
        online_store: embedded:.kite/online.db
        artifacts: file:.kite/artifacts

        """

    static let featuresYAML = """
        # Entities, sources, feature views, on-demand features and the feature service of the fraud model.
        entities:
          - name: customer
            join_keys: [customer_id]
            description: A card holder.
          - name: merchant
            join_keys: [merchant_id]
            description: A shop that takes card payments.

        sources:
          - name: customer_activity
            path: customer_stats.parquet
            timestamp_field: event_timestamp
          - name: merchant_daily
            path: merchant_stats.parquet
            timestamp_field: event_timestamp

        feature_views:
          - name: customer_stats
            entities: [customer]
            source: customer_activity
            ttl: 7d
            owner: risk-team
            description: The customer's spending before each transaction.
            schema:
              - {name: spend_1d, type: float64}
              - {name: spend_7d, type: float64}
              - {name: txn_count_7d, type: int64}
              - {name: avg_amount_7d, type: float64}
          - name: merchant_stats
            entities: [merchant]
            source: merchant_daily
            ttl: 2d
            schema:
              - {name: fraud_rate_30d, type: float64}

        on_demand_feature_views:
          - name: transaction_features
            sources: [customer_stats]
            request: [{name: amount, type: float64}]
            features:
              - name: amount_vs_avg_7d
                type: float64
                expression: "amount / coalesce(customer_stats:avg_amount_7d, amount)"
              - name: is_large
                type: bool
                expression: "amount > 3 * coalesce(customer_stats:avg_amount_7d, amount)"

        feature_services:
          - name: fraud_model
            features:
              - customer_stats:*
              - merchant_stats:fraud_rate_30d
              - transaction_features:amount_vs_avg_7d
              - transaction_features:is_large

        """

    /// A training config for the fraud model with `learner` (gbdt or logistic).
    static func trainingYAML(learner: String) -> String {
        let settings =
            learner == "gbdt"
            ? """
            learner: gbdt
            params: {num_iterations: 100, learning_rate: 0.1, num_leaves: 31, min_data_in_leaf: 20, seed: 7}
            """
            : """
            learner: logistic
            params: {C: 1.0}
            # Other numeric features are imputed (median, with a missing indicator) and standardized by default.
            preprocessing:
              amount: [{impute: median, indicator: true}, log1p, standardize]
            """
        return """
            # Train the fraud model: kite train train/\(learner).yaml
            experiment: fraud-detection
            model: fraud
            data:
              feature_service: fraud_model      # features joined point-in-time to each labelled transaction
              labels: data/labels.parquet
              label: is_fraud
              extra_features: [amount]          # a column of the labels file that is a feature too
            \(settings)
            split: {method: time, test_fraction: 0.2}   # test on the latest 20% of transactions
            gates:
              - auc >= 0.6
              - auc >= champion.auc - 0.002     # no worse than the model aliased fraud@champion

            """
    }
}
