import KiteCore
import Learning
import Registry

extension PredictionLog {
    /// The rows logged for one model and day since the last flush, as the columns of its file: filled a request at
    /// a time under the log's lock, tabulated once at the flush. Each input of the logged versions (their union,
    /// in order of first appearance) is a column; a row of a version without it holds null there.
    struct Rows: Sendable {
        private(set) var count = 0
        /// The first row's time (the file's name carries it).
        private(set) var firstTime: Int64 = 0
        private var requestIDs = BytesColumnBuilder(type: .string)
        private var times: [Int64] = []
        private var versions: [Int64] = []
        private var entities = BytesColumnBuilder(type: .string)
        private var predictions: [Scalar] = []
        private var probabilities: [Double?] = []
        private var latencies: [Latency] = []
        private var experiments = BytesColumnBuilder(type: .string)
        private var variants = BytesColumnBuilder(type: .string)
        private var forced: [Bool] = []
        private var shadow: [Bool] = []
        private var units = BytesColumnBuilder(type: .string)
        private var inputs: [ModelFile.Signature.Input] = []
        /// By input (as in `inputs`): each row's value.
        private var values: [[Scalar]] = []
        /// By version: where each of its inputs sits in `inputs`.
        private var layouts: [Int64: [Int]] = [:]
        /// Where a row's entity JSON is written before it joins its column.
        private var scratch: [UInt8] = []

        /// The fixed columns, before the inputs; an input named like one is written as `feature_NAME`.
        static let fixed = [
            "request_id", "timestamp", "model_version", "entities", "prediction", "probability", "latency_us", "features_us", "scoring_us",
            "experiment", "variant", "forced", "shadow", "unit",
        ]

        /// Appends the first `rows` rows of a request (see `PredictionLog.append`).
        mutating func append(
            requestIDs ids: [String], time: Int64, model: ServedModel, columns: [(name: String, values: [Scalar])], inputs modelInputs: ModelInputs,
            predictions answers: Predictions, latency: Latency, assignment: Assignment?, rows: Int
        ) {
            let signature = model.model.signature
            let keys = columns.filter { column in !signature.inputs.contains { $0.name == column.name } }
            let inputColumns = signature.inputs.map { modelInputs.frame[$0.name] }
            let predicted = answers.predicted
            let unitValues = assignment.flatMap { assignment in columns.first { $0.name == assignment.unit }?.values }
            for row in 0..<rows {
                let probability: Double? =
                    switch answers {
                    case .binary(let probabilities, _): probabilities[row]
                    case .multiclass(_, let probabilities, let best): probabilities[row][best[row]]
                    case .regression: nil
                    }
                append(
                    requestID: ids[row], time: time, version: model.version.version, inputs: signature.inputs,
                    value: { inputColumns[$0]?.scalar(at: row) ?? .null },
                    entities: { json in
                        json.append(UInt8(ascii: "{"))
                        for (index, key) in keys.enumerated() {
                            if index > 0 { json.append(UInt8(ascii: ",")) }
                            ValueText.appendQuoted(key.name, to: &json)
                            json.append(UInt8(ascii: ":"))
                            json.append(contentsOf: ValueText.json(key.values[row]).utf8)
                        }
                        json.append(UInt8(ascii: "}"))
                    },
                    prediction: predicted.scalar(at: row), probability: probability, latency: latency, assignment: assignment,
                    unit: unitValues.flatMap { ValueText.text($0[row]) })
            }
        }

        /// Appends one row: `value(i)` is its value of `inputs[i]` (its version's inputs), `entities` writes its
        /// entity JSON.
        mutating func append(
            requestID: String, time: Int64, version: Int64, inputs versionInputs: [ModelFile.Signature.Input], value: (Int) -> Scalar,
            entities writeEntities: (inout [UInt8]) -> Void, prediction: Scalar, probability: Double?, latency: Latency, assignment: Assignment?,
            unit: String?
        ) {
            if count == 0 { firstTime = time }
            let layout = layout(of: version, versionInputs)
            for index in values.indices { values[index].append(.null) }
            for (position, index) in layout.enumerated() { values[index][count] = value(position) }
            requestIDs.append(requestID.utf8)
            times.append(time)
            versions.append(version)
            scratch.removeAll(keepingCapacity: true)
            writeEntities(&scratch)
            entities.append(scratch)
            predictions.append(prediction)
            probabilities.append(probability)
            latencies.append(latency)
            experiments.append(assignment?.experiment.utf8)
            variants.append(assignment?.variant.utf8)
            forced.append(assignment?.forced ?? false)
            shadow.append(assignment?.shadow ?? false)
            units.append(unit?.utf8)
            count += 1
        }

        /// Where each of `version`'s inputs sits among the columns, adding those not seen yet (null in earlier rows).
        private mutating func layout(of version: Int64, _ versionInputs: [ModelFile.Signature.Input]) -> [Int] {
            if let layout = layouts[version] { return layout }
            let layout = versionInputs.map { input in
                if let index = inputs.firstIndex(where: { $0.name == input.name }) { return index }
                inputs.append(input)
                values.append(Array(repeating: .null, count: count))
                return inputs.count - 1
            }
            layouts[version] = layout
            return layout
        }

        /// The rows as one table: the fixed columns, then each input. (The model is in the file's path,
        /// `model=NAME`, as Hive partitioning has it, so not a column.)
        func frame() throws -> DataFrame {
            var columns: [(String, DataColumn)] = [
                ("request_id", requestIDs.finish()), ("timestamp", .timestamps(times)), ("model_version", .int64s(versions)),
                ("entities", entities.finish()), ("prediction", try DataColumn(scalars: predictions, type: Self.type(of: predictions))),
                ("probability", .float64s(probabilities)), ("latency_us", .int64s(latencies.map(\.total))),
                ("features_us", .int64s(latencies.map(\.features))), ("scoring_us", .int64s(latencies.map(\.scoring))),
                ("experiment", experiments.finish()), ("variant", variants.finish()), ("forced", .bools(forced)), ("shadow", .bools(shadow)),
                ("unit", units.finish()),
            ]
            for (input, values) in zip(inputs, values) {
                columns.append((Self.fixed.contains(input.name) ? "feature_\(input.name)" : input.name, try DataColumn(scalars: values, type: input.type)))
            }
            return try DataFrame(columns)
        }

        /// The column type of predictions: integers for classes, doubles for values, strings for named classes.
        private static func type(of values: [Scalar]) -> DataType {
            switch values.first(where: { !$0.isNull }) {
            case .int?: .int64
            case .string?: .string
            default: .float64
            }
        }
    }
}
