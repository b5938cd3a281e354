import Foundation
import KiteCore
import Learning
import ObjectStorage
import Parquet

/// An experiment's data in the offline store: exposures from the prediction log (`predictions/model=NAME/…`,
/// rows the experiment assigned, neither forced nor shadow) and outcomes (`outcomes/experiment=KEY/…`, one row
/// per unit, metric and value), reduced to each variant's statistics per metric.
public enum ExperimentData {
    /// Appends outcomes — a frame with the experiment's unit column, `metric` (text), `value` (a number) and,
    /// for a label of one prediction, its `request_id` — as one Parquet file; returns its key. Rows with a null
    /// unit, metric or value are refused.
    public static func appendOutcomes(_ frame: DataFrame, experiment: ExperimentDefinition, store: any ObjectStore, now: Int64) async throws -> String {
        guard let unit = frame[experiment.unit] else {
            throw KiteError.invalidArgument("the outcomes have no '\(experiment.unit)' column (experiment \(experiment.key) assigns by it)")
        }
        guard let metric = frame["metric"], metric.type == .string else { throw KiteError.invalidArgument("the outcomes need a text column 'metric'") }
        guard let value = frame["value"], value.type.isNumeric || value.type == .bool else {
            throw KiteError.invalidArgument("the outcomes need a numeric column 'value'")
        }
        let values = value.doubles()
        for row in 0..<frame.rowCount where unit.isNull(row) || metric.isNull(row) || values[row].isNaN {
            throw KiteError.invalidArgument("outcome row \(row + 1) has no \(unit.isNull(row) ? experiment.unit : metric.isNull(row) ? "metric" : "value")")
        }
        let requests = frame["request_id"]
        let outcomes = try DataFrame([
            ("unit", DataColumn.strings((0..<frame.rowCount).map { ValueText.text(unit.scalar(at: $0)) })),
            ("metric", metric), ("value", .float64s(values)), ("received", .timestamps(Array(repeating: now, count: frame.rowCount))),
            ("request_id", .strings((0..<frame.rowCount).map { row in requests.flatMap { $0.isNull(row) ? nil : ValueText.text($0.scalar(at: row)) } })),
        ])
        let key = "outcomes/experiment=\(experiment.key)/part-\(now)-\(UUID().uuidString.prefix(8).lowercased()).parquet"
        let writer = try await ParquetWriter(sink: try await store.makeSink(for: key), schema: outcomes.schema)
        try await writer.write(outcomes)
        try await writer.close()
        return key
    }

    /// Analyses the experiment's data: one pass over its outcomes, then one over the model's prediction log —
    /// reading only the columns the analysis needs, and skipping row groups whose statistics show no row of the
    /// experiment. A unit's variant is that of its first logged exposure; exposed units without an outcome count
    /// as 0; a metric whose totals are all 0 or 1 is a proportion.
    public static func analyze(
        _ experiment: ExperimentDefinition, store: any ObjectStore, frequentist: FrequentistTest = FrequentistTest(),
        bayesian: BayesianTest = BayesianTest()
    ) async throws -> ExperimentAnalysis {
        let outcomeFiles = try await Outcomes.files(of: experiment, store: store)
        let outcomes: Outcomes
        let exposures: Exposures
        if outcomeFiles.contains(where: Outcomes.mayNamePredictions) {
            outcomes = try await Outcomes(files: outcomeFiles)
            exposures = Exposures(merging: try await Exposures.scans(of: experiment, store: store, labels: outcomes.labels))
        } else {
            // No outcome names its prediction (the files' statistics say so): the log's scan needs no labels, and
            // the outcomes are read while the scan's runs are merged (on one core).
            let scans = try await Exposures.scans(of: experiment, store: store, labels: [:])
            async let reading = Outcomes(files: outcomeFiles)
            exposures = Exposures(merging: scans)
            outcomes = try await reading
        }
        var units = Array(repeating: 0, count: experiment.variants.count)
        for first in exposures.firsts { units[Int(first.variant)] += 1 }
        let weights = experiment.variants.map(\.weight)
        var metrics: [(String, ExperimentResults)] = []
        // Each unit with outcomes as numbered among the exposed units (-1: never exposed); sums run in the
        // outcomes' order, so every run adds the same numbers in the same order.
        let exposed = exposures.units.existingIDs(of: outcomes.units)
        for name in experiment.metrics.isEmpty ? outcomes.totals.keys.sorted() : experiment.metrics {
            let totals = outcomes.totals[name] ?? []
            var sums = Array(repeating: 0.0, count: units.count)
            var squares = Array(repeating: 0.0, count: units.count)
            for (unit, value) in totals.enumerated() where exposed[unit] >= 0 {
                let variant = Int(exposures.firsts[Int(exposed[unit])].variant)
                sums[variant] += value
                squares[variant] += value * value
            }
            let binary = totals.allSatisfy { $0 == 0 || $0 == 1 }
            let statistics = units.indices.map { index -> MetricStatistic in
                binary ? .proportion(n: units[index], sum: sums[index]) : .mean(n: units[index], sum: sums[index], sumSquares: squares[index])
            }
            metrics.append(
                (
                    name,
                    try ExperimentResults.analyze(
                        variants: experiment.variants.map(\.name), weights: weights, metrics: statistics, frequentist: frequentist, bayesian: bayesian)
                ))
        }
        let quality = exposures.labelled.mapValues { byVariant in
            experiment.variants.enumerated().map { index, variant in
                let (labels, scores) = byVariant[index] ?? ([], [])
                return ExperimentAnalysis.ModelQuality(
                    variant: variant.name, labelled: labels.count, auc: try? BinaryMetrics.rocAUC(labels: labels, scores: scores),
                    logLoss: labels.isEmpty ? nil : try? BinaryMetrics.logLoss(labels: labels, probabilities: scores))
            }
        }
        return ExperimentAnalysis(
            units: units, sampleRatioPValue: try SampleRatioMismatch.pValue(units: units, weights: weights),
            sampleRatioMismatch: try SampleRatioMismatch.isMismatched(units: units, weights: weights), metrics: metrics, quality: quality)
    }

    /// An experiment's outcomes: each metric's total per unit, and the outcomes that name their prediction.
    private struct Outcomes {
        struct Label {
            var unit: String
            var metric: String
            var value: Double
        }

        /// The units with outcomes, numbered in order of appearance.
        var units = TextInterner()
        /// By metric: each unit's total by unit id (0 for a unit with no outcome of the metric; shorter when the
        /// last units have none).
        var totals: [String: [Double]] = [:]
        /// By request id.
        var labels: [String: [Label]] = [:]

        /// The experiment's outcome files, opened (their footers read).
        static func files(of experiment: ExperimentDefinition, store: any ObjectStore) async throws -> [ParquetReader] {
            var files: [ParquetReader] = []
            for key in try await store.parquetKeys(under: "outcomes/experiment=\(experiment.key)/") {
                files.append(try await ParquetReader(source: try await ObjectStoreSource(store: store, key: key)))
            }
            return files
        }

        /// Whether `file` may hold an outcome that names its prediction: it has a `request_id` column not known
        /// (by its statistics) to be all null.
        static func mayNamePredictions(_ file: ParquetReader) -> Bool {
            guard let column = try? file.column(named: "request_id") else { return false }
            return (0..<file.rowGroupCount).contains { group in
                guard let nulls = file.statistics(rowGroup: group, column: column)?.nullCount else { return true }
                return nulls < file.metadata.rowGroups[group].rowCount
            }
        }

        init(files: [ParquetReader]) async throws {
            var metrics = TextInterner(capacity: 16)
            var byMetric: [[Double]] = []
            units = TextInterner(capacity: files.reduce(0) { $0 + $1.rowCount })
            for file in files {
                guard ["unit", "metric", "value"].allSatisfy({ (try? file.column(named: $0)) != nil }) else { continue }
                let named = Self.mayNamePredictions(file)
                for group in 0..<file.rowGroupCount {
                    // Units and metrics as codes: no row's text copied.
                    async let coded = file.readCoded(rowGroup: group, columns: ["unit", "metric"])
                    let frame = try await file.readRowGroup(group, columns: ["value"] + (named ? ["request_id"] : []))
                    try add(frame, coded: try await coded, metrics: &metrics, byMetric: &byMetric)
                }
            }
            for (metric, unitTotals) in byMetric.enumerated() { totals[metrics.text(Int32(metric))] = unitTotals }
        }

        /// Adds a row group's outcomes: `frame` with the values (and request ids), `coded` its units and metrics.
        private mutating func add(_ frame: DataFrame, coded: [CodedColumn], metrics: inout TextInterner, byMetric: inout [[Double]]) throws {
            guard coded.count == 2, coded.allSatisfy({ $0.codes.count == frame.rowCount }), let values = frame["value"] else {
                throw KiteError(.corruptData, "the outcomes' columns have different lengths")
            }
            let (unitColumn, metricColumn) = (coded[0], coded[1])
            let numbers = values.doubles()
            let requests = TextColumn(frame["request_id"])
            let rows = (0..<frame.rowCount).filter { unitColumn.codes[$0] >= 0 && metricColumn.codes[$0] >= 0 }
            let unitIDs = unitColumn.data.withUnsafeBytes { units.ids($0, offsets: unitColumn.offsets, rows: rows.map { Int(unitColumn.codes[$0]) }) }
            let metricIDs = metricColumn.data.withUnsafeBytes {
                metrics.ids($0, offsets: metricColumn.offsets, rows: rows.map { Int(metricColumn.codes[$0]) })
            }
            while byMetric.count < metrics.count { byMetric.append([]) }
            for (position, row) in rows.enumerated() {
                let (unit, metric) = (Int(unitIDs[position]), Int(metricIDs[position]))
                if byMetric[metric].count <= unit { byMetric[metric] += Array(repeating: 0, count: units.count - byMetric[metric].count) }
                byMetric[metric][unit] += numbers[row]
                if let request = requests?.string(at: row) {
                    labels[request, default: []].append(Label(unit: units.text(Int32(unit)), metric: metrics.text(Int32(metric)), value: numbers[row]))
                }
            }
        }
    }

    /// The experiment's exposures in the prediction log (rows it assigned, neither forced nor shadow): each unit's
    /// first exposure and its variant, units numbered in order of appearance; and the labelled predictions'
    /// labels and probabilities, by metric and variant.
    private struct Exposures {
        var units = TextInterner(capacity: 1 << 16)
        /// By unit id: its first exposure, in one array so that updating it reads one cache line.
        var firsts: [(time: Int64, variant: Int32)] = []
        var labelled: [String: [Int: (labels: [Double], scores: [Double])]] = [:]

        private init() {}

        /// Scans the log in contiguous runs of files, one per core at once: each run's exposures, in file order.
        static func scans(of experiment: ExperimentDefinition, store: any ObjectStore, labels: [String: [Outcomes.Label]]) async throws -> [Exposures] {
            let key = Array(experiment.key.utf8)
            let names = experiment.variants.map { Array($0.name.utf8) }
            let needed = ["forced", "shadow", "timestamp"] + (labels.isEmpty ? [] : ["request_id", "probability"])
            let files = try await store.parquetKeys(under: "predictions/model=\(experiment.model)/")
            return try await Parallel.runs(of: files) { run in
                try await Self.scan(run, key: key, variantNames: names, columns: needed, store: store, labels: labels)
            }
        }

        /// The runs of a scan merged in order: the same units, ids and first exposures as one scan in order.
        init(merging scans: [Exposures]) {
            self = scans.first ?? Exposures()
            for scan in scans.dropFirst() { merge(scan) }
        }

        /// One run of log files, in order.
        private static func scan(
            _ files: ArraySlice<String>, key: [UInt8], variantNames: [[UInt8]], columns: [String], store: any ObjectStore,
            labels: [String: [Outcomes.Label]]
        ) async throws -> Exposures {
            var exposures = Exposures()
            for file in files {
                for (frame, coded) in try await Self.rowGroups(of: file, store: store, key: key, columns: columns) {
                    try exposures.add(frame, coded: coded, key: key, variantNames: variantNames, labels: labels)
                }
            }
            return exposures
        }

        /// Adds the exposures of a run of files that came after this one's.
        private mutating func merge(_ later: Exposures) {
            expose(units.ids(of: later.units)) { later.firsts[$0] }
            for (metric, byVariant) in later.labelled {
                for (variant, added) in byVariant {
                    labelled[metric, default: [:]][variant, default: ([], [])].labels.append(contentsOf: added.labels)
                    labelled[metric, default: [:]][variant, default: ([], [])].scores.append(contentsOf: added.scores)
                }
            }
        }

        /// Records exposures of units `ids` (the interner's), the i-th at `exposure(i)`: each unit's first, or one
        /// earlier than its first (ties keep the first).
        private mutating func expose(_ ids: [Int32], _ exposure: (Int) -> (time: Int64, variant: Int32)) {
            // New units get a placeholder (variant -1), so the loop only compares: no appends, no uniqueness
            // checks, and the misses of one unit's lookup overlap the next's.
            firsts.append(contentsOf: repeatElement((time: Int64.max, variant: Int32(-1)), count: units.count - firsts.count))
            firsts.withUnsafeMutableBufferPointer { firsts in
                for (position, id) in ids.enumerated() {
                    let (time, variant) = exposure(position)
                    if firsts[Int(id)].variant < 0 || time < firsts[Int(id)].time { firsts[Int(id)] = (time, variant) }
                }
            }
        }

        /// The row groups of log file `file` that may hold experiment `key`'s rows (by their statistics): `columns`, and
        /// its experiment, variant and unit columns as codes. None for a file written before the model ran
        /// experiments (it lacks the columns).
        private static func rowGroups(of file: String, store: any ObjectStore, key: [UInt8], columns: [String]) async throws -> [(DataFrame, [CodedColumn])] {
            let reader = try await ParquetReader(source: try await ObjectStoreSource(store: store, key: file))
            guard let column = try? reader.column(named: "experiment"), (columns + Self.coded).allSatisfy({ (try? reader.column(named: $0)) != nil }) else {
                return []
            }
            var groups: [(DataFrame, [CodedColumn])] = []
            for group in 0..<reader.rowGroupCount {
                if let statistics = reader.statistics(rowGroup: group, column: column), case .string(let least)? = statistics.min,
                    case .string(let most)? = statistics.max,
                    key.lexicographicallyPrecedes(least.utf8) || most.utf8.lexicographicallyPrecedes(key)
                {
                    continue
                }
                async let coded = reader.readCoded(rowGroup: group, columns: Self.coded)
                groups.append((try await reader.readRowGroup(group, columns: columns), try await coded))
            }
            return groups
        }

        /// The log's columns read as codes: their values are few (experiments, variants) or repeat (units).
        private static let coded = ["experiment", "variant", "unit"]

        /// Adds a row group's exposures: `frame` with the other columns, and `coded` (in the order of `coded`).
        private mutating func add(
            _ frame: DataFrame, coded: [CodedColumn], key: [UInt8], variantNames: [[UInt8]], labels: [String: [Outcomes.Label]]
        ) throws {
            guard coded.count == 3, let forced = frame["forced"]?.values.bools, let shadow = frame["shadow"]?.values.bools,
                let timeColumn = frame["timestamp"], let time = timeColumn.values.int64s
            else { throw KiteError(.corruptData, "the prediction log's columns have unexpected types") }
            let (experiments, variantColumn, unitColumn) = (coded[0], coded[1], coded[2])
            guard [experiments.codes.count, variantColumn.codes.count, unitColumn.codes.count].allSatisfy({ $0 == frame.rowCount }) else {
                throw KiteError(.corruptData, "the prediction log's columns have different lengths")
            }
            // Each value compared once: whether it is the experiment's key, and its variant's index (-1: none).
            let (experimentValues, variantValues) = (TextColumn(experiments), TextColumn(variantColumn))
            let isExperiment = (0..<experiments.valueCount).map { experimentValues.equals($0, key) }
            let variantOfValue = (0..<variantColumn.valueCount).map { value in
                Int32(variantNames.firstIndex { variantValues.equals(value, $0) } ?? -1)
            }
            let requests = TextColumn(frame["request_id"])
            let probabilities = frame["probability"]
            // The experiment's rows: their places, variants and units' values. Written through buffers sized for
            // every row (appending checked each array's uniqueness and capacity per row).
            let count = frame.rowCount
            var kept = 0
            var rows = [Int](repeating: 0, count: count)
            var rowVariants = [Int32](repeating: 0, count: count)
            var unitValues = [Int](repeating: 0, count: count)
            rows.withUnsafeMutableBufferPointer { rows in
                rowVariants.withUnsafeMutableBufferPointer { rowVariants in
                    unitValues.withUnsafeMutableBufferPointer { unitValues in
                        for row in 0..<count where !forced[row] && !shadow[row] && (timeColumn.validity == nil || !timeColumn.isNull(row)) {
                            let (experiment, variant, unit) = (experiments.codes[row], variantColumn.codes[row], unitColumn.codes[row])
                            guard experiment >= 0, isExperiment[Int(experiment)], variant >= 0, variantOfValue[Int(variant)] >= 0, unit >= 0 else {
                                continue
                            }
                            (rows[kept], rowVariants[kept], unitValues[kept]) = (row, variantOfValue[Int(variant)], Int(unit))
                            kept += 1
                        }
                    }
                }
            }
            rows.removeLast(count - kept)
            rowVariants.removeLast(count - kept)
            unitValues.removeLast(count - kept)
            let ids = unitColumn.data.withUnsafeBytes { units.ids($0, offsets: unitColumn.offsets, rows: unitValues) }
            expose(ids) { (time[rows[$0]], rowVariants[$0]) }
            guard !labels.isEmpty else { return }
            for (position, row) in rows.enumerated() {
                let (id, variant) = (Int(ids[position]), rowVariants[position])
                guard let request = requests?.string(at: row), let matching = labels[request],
                    let probabilities, !probabilities.isNull(row), case .double(let probability) = probabilities.scalar(at: row)
                else { continue }
                let unit = units.text(Int32(id))
                for label in matching where label.unit == unit {
                    labelled[label.metric, default: [:]][Int(variant), default: ([], [])].labels.append(label.value)
                    labelled[label.metric, default: [:]][Int(variant), default: ([], [])].scores.append(probability)
                }
            }
        }
    }

    /// A text column's bytes, compared and read without making a string per row.
    private struct TextColumn {
        let offsets: [Int]
        let data: [UInt8]
        let validity: Bitmap?

        init?(_ column: DataColumn?) {
            guard let column, case .bytes(let offsets, let data) = column.values else { return nil }
            (self.offsets, self.data, self.validity) = (offsets, data, column.validity)
        }

        /// The values of a coded column.
        init(_ column: CodedColumn) {
            (offsets, data, validity) = (column.offsets, column.data, nil)
        }

        func equals(_ row: Int, _ bytes: [UInt8]) -> Bool {
            let (start, end) = (offsets[row], offsets[row + 1])
            guard end - start == bytes.count, validity?[row] ?? true else { return false }
            return data.withUnsafeBufferPointer { data in
                bytes.withUnsafeBufferPointer { bytes in
                    guard let data = data.baseAddress, let bytes = bytes.baseAddress else { return true }  // both empty
                    return memcmp(data + start, bytes, end - start) == 0
                }
            }
        }

        func string(at row: Int) -> String? {
            guard validity?[row] ?? true else { return nil }
            return data.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[offsets[row]..<offsets[row + 1]]), as: UTF8.self) }
        }
    }
}
