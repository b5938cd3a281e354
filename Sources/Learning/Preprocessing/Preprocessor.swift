import Foundation
import KiteCore

/// A fitted preprocessing pipeline: turns a `DataFrame` (training, batch scoring) or one row (serving) into the
/// numeric features a learner takes, with the same code for both. Fitted on the training split only; saved inside
/// the model (Codable).
public struct Preprocessor: Sendable, Hashable, Codable {
    /// One fitted step of a numeric column.
    public enum FittedStep: Sendable, Hashable, Codable {
        case impute(value: Double, indicator: Bool)
        case standardize(mean: Double, scale: Double)
        case minMax(minimum: Double, scale: Double)
        case log1p
        case clip(lower: Double, upper: Double)
        case bucketize(edges: [Double])
    }

    /// One input column and what it becomes.
    public struct FittedColumn: Sendable, Hashable, Codable {
        public var column: String
        public var steps: [FittedStep]
        public var encoding: ColumnSpec.Encoding?
        /// The training categories of an encoded column, sorted.
        public var categories: [String]
    }

    public var columns: [FittedColumn]
    /// The names of the outputs, in order.
    public var outputNames: [String]

    /// Fits `specs` on `frame`'s rows; `features` names the input columns in output order (a column without a
    /// spec passes through and must be numeric or boolean).
    public static func fit(_ specs: [ColumnSpec], features: [String], on frame: DataFrame) throws -> Preprocessor {
        let byColumn = Dictionary(specs.map { ($0.column, $0) }, uniquingKeysWith: { first, _ in first })
        for spec in specs where !features.contains(spec.column) {
            throw KiteError.invalidArgument("preprocessing names column '\(spec.column)', which is not among the features")
        }
        var columns: [FittedColumn] = []
        for name in features {
            guard let column = frame[name] else { throw KiteError.invalidArgument("the training data has no column '\(name)'") }
            let spec = byColumn[name] ?? ColumnSpec(column: name, steps: [])
            if let encoding = spec.encoding {
                guard column.type == .string else {
                    throw KiteError.invalidArgument("column '\(name)' is \(column.type), not a string: it cannot be encoded \(encoding.rawValue)")
                }
                var categories = Set<String>()
                for row in 0..<column.count where !column.isNull(row) { categories.insert(column.string(at: row)) }
                columns.append(FittedColumn(column: name, steps: [], encoding: encoding, categories: categories.sorted()))
                continue
            }
            guard column.type.isNumeric || column.type == .bool else {
                throw KiteError.invalidArgument("column '\(name)' is \(column.type): give it an encoding (onehot or ordinal) or leave it out")
            }
            var values = column.doubles()
            var fitted: [FittedStep] = []
            for step in spec.steps {
                let step = try fit(step, values, column: name)
                fitted.append(step)
                values = values.map { apply(step, $0) }
            }
            columns.append(FittedColumn(column: name, steps: fitted, encoding: nil, categories: []))
        }
        return Preprocessor(columns: columns, outputNames: columns.flatMap(outputNames))
    }

    private static func fit(_ step: ColumnSpec.Step, _ values: [Double], column: String) throws -> FittedStep {
        let present = values.filter { !$0.isNaN }
        switch step {
        case .impute(let how, let indicator):
            switch how {
            case .constant(let value): return .impute(value: value, indicator: indicator)
            case .mean, .median:
                guard !present.isEmpty else {
                    throw KiteError.invalidArgument("column '\(column)' has no values in the training rows to impute from; use a constant")
                }
                if case .mean = how { return .impute(value: present.reduce(0, +) / Double(present.count), indicator: indicator) }
                let sorted = present.sorted()
                let middle = sorted.count / 2
                return .impute(value: sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2, indicator: indicator)
            }
        case .standardize:
            guard !present.isEmpty else { return .standardize(mean: 0, scale: 1) }
            let mean = present.reduce(0, +) / Double(present.count)
            let variance = present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(present.count)
            let deviation = variance.squareRoot()
            return .standardize(mean: mean, scale: deviation > 0 ? deviation : 1)
        case .minMax:
            guard let low = present.min(), let high = present.max() else { return .minMax(minimum: 0, scale: 1) }
            return .minMax(minimum: low, scale: high > low ? high - low : 1)
        case .log1p: return .log1p
        case .clip(let lower, let upper):
            guard lower <= upper else { throw KiteError.invalidArgument("clip of '\(column)': lower \(lower) is above upper \(upper)") }
            return .clip(lower: lower, upper: upper)
        case .bucketize(let edges):
            guard !edges.isEmpty, zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw KiteError.invalidArgument("bucketize of '\(column)' needs increasing edges")
            }
            return .bucketize(edges: edges)
        }
    }

    /// For each output, in order, the index in `columns` of the input column that makes it.
    public var outputColumns: [Int] {
        columns.enumerated().flatMap { index, column in Array(repeating: index, count: Self.outputNames(column).count) }
    }

    /// The names of the outputs one fitted column makes (one per category when one-hot encoded, a missing
    /// indicator after an imputed value).
    static func outputNames(_ column: FittedColumn) -> [String] {
        switch column.encoding {
        case .oneHot?: return column.categories.map { "\(column.column)=\($0)" }
        case .ordinal?: return [column.column]
        case nil:
            let indicators = column.steps.contains { if case .impute(_, true) = $0 { true } else { false } }
            return [column.column] + (indicators ? ["\(column.column)__missing"] : [])
        }
    }

    @inline(__always)
    static func apply(_ step: FittedStep, _ x: Double) -> Double {
        switch step {
        case .impute(let value, _): return x.isNaN ? value : x
        case .standardize(let mean, let scale): return (x - mean) / scale
        case .minMax(let minimum, let scale): return (x - minimum) / scale
        case .log1p: return Foundation.log1p(x)
        case .clip(let lower, let upper): return x.isNaN ? x : Swift.min(Swift.max(x, lower), upper)
        case .bucketize(let edges):
            guard !x.isNaN else { return x }
            var count = 0
            while count < edges.count, edges[count] <= x { count += 1 }
            return Double(count)
        }
    }

    /// The outputs of one column's value (a number, or a category for encoded columns; nil for missing).
    func outputs(_ column: FittedColumn, number: Double, category: String?, into out: inout [Double]) {
        switch column.encoding {
        case .oneHot?:
            for known in column.categories { out.append(known == category ? 1 : 0) }
        case .ordinal?:
            out.append(category.flatMap { column.categories.firstIndex(of: $0) }.map(Double.init) ?? .nan)
        case nil:
            var value = number
            var missing = false
            for step in column.steps {
                if case .impute(_, let indicator) = step, indicator { missing = value.isNaN }
                value = Self.apply(step, value)
            }
            out.append(value)
            if column.steps.contains(where: { if case .impute(_, true) = $0 { true } else { false } }) { out.append(missing ? 1 : 0) }
        }
    }

    /// Whether a missing value of input `column` has a fitted meaning: the column imputes it, or is encoded (a
    /// missing category is no category). Elsewhere a missing value would reach the learner as NaN.
    public func acceptsMissing(_ column: String) -> Bool {
        guard let fitted = columns.first(where: { $0.column == column }) else { return false }
        return fitted.encoding != nil || fitted.steps.contains { if case .impute = $0 { true } else { false } }
    }

    /// The feature matrix of `frame` (one row per frame row, `outputNames.count` columns).
    public func transform(_ frame: DataFrame) throws -> Matrix {
        let inputs = try columns.map { fitted -> DataColumn in
            guard let column = frame[fitted.column] else {
                throw KiteError.invalidArgument("the input has no column '\(fitted.column)', which the model needs")
            }
            if fitted.encoding != nil, column.type != .string {
                throw KiteError.invalidArgument("column '\(fitted.column)' must be a string, not \(column.type)")
            }
            if fitted.encoding == nil, !(column.type.isNumeric || column.type == .bool) {
                throw KiteError.invalidArgument("column '\(fitted.column)' must be numeric, not \(column.type)")
            }
            return column
        }
        // Column by column (each fitted column's outputs for every row, then set in their places of the row-major
        // matrix): row by row, every row copied each fitted column and its names and categories.
        let (rows, width) = (frame.rowCount, outputNames.count)
        var values = [Double](repeating: 0, count: rows * width)
        var outputs: [Double] = []
        var offset = 0
        for (input, fitted) in zip(inputs, columns) {
            outputs.removeAll(keepingCapacity: true)
            let numbers = input.type == .string ? [] : input.doubles()
            for row in 0..<rows {
                let category = fitted.encoding == nil || input.isNull(row) ? nil : input.string(at: row)
                self.outputs(fitted, number: numbers.isEmpty ? .nan : numbers[row], category: category, into: &outputs)
            }
            let each = rows == 0 ? 0 : outputs.count / rows
            guard outputs.count == rows * each, offset + each <= width else { throw damaged() }
            values.withUnsafeMutableBufferPointer { matrix in
                for row in 0..<rows {
                    for output in 0..<each { matrix[row * width + offset + output] = outputs[row * each + output] }
                }
            }
            offset += each
        }
        guard rows == 0 || offset == width else { throw damaged() }
        return try Matrix(rows: rows, columns: width, values: values)
    }

    /// The error for fitted columns whose outputs do not add up to `outputNames` (a damaged model file).
    private func damaged() -> KiteError {
        KiteError(.corruptData, "the model's preprocessing gives other outputs than its \(outputNames.count) names; the model file is damaged")
    }

    /// The features of one row given by column name (what a serving request carries); missing names are missing
    /// values, a number where a category is expected (or the reverse) is an error.
    public func transform(row: [String: Scalar]) throws -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(outputNames.count)
        for fitted in columns {
            let value = row[fitted.column] ?? .null
            if fitted.encoding != nil {
                switch value {
                case .string(let text): outputs(fitted, number: .nan, category: text, into: &out)
                case .null: outputs(fitted, number: .nan, category: nil, into: &out)
                default: throw KiteError.invalidArgument("feature '\(fitted.column)' must be a string")
                }
                continue
            }
            guard let number = value.number else { throw KiteError.invalidArgument("feature '\(fitted.column)' must be a number") }
            outputs(fitted, number: number, category: nil, into: &out)
        }
        return out
    }
}
