import Foundation
import KiteCore

extension Expression {
    /// A column of intermediate values: numbers as `Double`, with validity and what kind of value they are.
    struct Vector {
        enum Kind { case number, integer, boolean }
        var values: [Double]
        var valid: [Bool]
        var kind: Kind
    }

    /// The type of the expression's result, given the types of the columns it refers to; refuses unknown
    /// names and non-numeric inputs, so `kite apply` catches what evaluation would.
    public func resultType(inputs: [String: DataType]) throws -> DataType {
        switch try kind(inputs) {
        case .number: .float64
        case .integer: .int64
        case .boolean: .bool
        }
    }

    private func kind(_ inputs: [String: DataType]) throws -> Vector.Kind {
        switch self {
        case .number: return .number
        case .boolean: return .boolean
        case .reference(let name):
            guard let type = inputs[name] else {
                throw KiteError.invalidArgument(
                    "expression '\(self)' refers to '\(name)', which is not an input; inputs are: \(inputs.keys.sorted().joined(separator: ", "))")
            }
            return try Self.kind(of: type, name: name)
        case .unary(let op, let a):
            _ = try a.kind(inputs)
            return op == .not ? .boolean : .number
        case .binary(let op, let a, let b):
            _ = try a.kind(inputs)
            _ = try b.kind(inputs)
            return op.isBoolean ? .boolean : .number
        case .call(let function, let args):
            let kinds = try args.map { try $0.kind(inputs) }
            switch function {
            case .int: return .integer
            case .bool: return .boolean
            case .coalesce: return kinds.allSatisfy { $0 == kinds[0] } ? kinds[0] : .number
            case .if: return kinds[1] == kinds[2] ? kinds[1] : .number
            case .log, .exp, .abs, .sqrt, .float, .min, .max, .clip: return .number
            }
        }
    }

    private static func kind(of type: DataType, name: String) throws -> Vector.Kind {
        switch type {
        case .float32, .float64: return .number
        case .int32, .int64, .timestamp, .date: return .integer
        case .bool: return .boolean
        case .string, .binary:
            throw KiteError.invalidArgument("'\(name)' is \(type); on-demand expressions compute with numbers and booleans")
        }
    }

    /// Evaluates over whole columns: `column(name)` gives each referenced input, all of `rows` rows.
    public func evaluate(rows: Int, column: (String) throws -> DataColumn) throws -> DataColumn {
        let result = try vector(rows: rows, column: column)
        switch result.kind {
        case .number:
            return try DataColumn(type: .float64, values: .float64(result.values), validity: Bitmap(result.valid))
        case .boolean:
            return try DataColumn(type: .bool, values: .bool(result.values.map { $0 != 0 }), validity: Bitmap(result.valid))
        case .integer:
            var valid = result.valid
            let values = result.values.enumerated().map { i, v -> Int64 in
                guard let exact = Int64(exactly: v.rounded(.towardZero)) else {
                    valid[i] = false
                    return 0
                }
                return exact
            }
            return try DataColumn(type: .int64, values: .int64(values), validity: Bitmap(valid))
        }
    }

    /// Evaluates for one row (the online path), through the same column evaluator.
    public func evaluate(row: [String: Scalar]) throws -> Scalar {
        let column = try evaluate(rows: 1) { name in
            guard let value = row[name] else { throw KiteError.invalidArgument("the request has no value for '\(name)'") }
            switch value {
            case .null: return DataColumn.float64s([nil])
            case .bool(let v): return DataColumn.bools([v])
            case .int(let v): return DataColumn.int64s([v])
            case .float(let v): return DataColumn.float32s([v])
            case .double(let v): return DataColumn.float64s([v])
            case .timestamp(let v): return DataColumn.timestamps([v])
            case .date(let v): return DataColumn.dates([v])
            case .string, .binary: throw KiteError.invalidArgument("'\(name)' is text; on-demand expressions compute with numbers")
            }
        }
        return column.scalar(at: 0)
    }

    private func vector(rows: Int, column: (String) throws -> DataColumn) throws -> Vector {
        switch self {
        case .number(let v): return Vector(values: Array(repeating: v, count: rows), valid: Array(repeating: true, count: rows), kind: .number)
        case .boolean(let v): return Vector(values: Array(repeating: v ? 1 : 0, count: rows), valid: Array(repeating: true, count: rows), kind: .boolean)
        case .reference(let name):
            let data = try column(name)
            guard data.count == rows else {
                throw KiteError(.mismatch, "input '\(name)' has \(data.count) rows, expected \(rows)")
            }
            let kind = try Self.kind(of: data.type, name: name)
            return Vector(values: data.doubles(), valid: (0..<rows).map { !data.isNull($0) }, kind: kind)
        case .unary(let op, let a):
            var v = try a.vector(rows: rows, column: column)
            if op == .not {
                v.values = v.values.map { $0 == 0 ? 1 : 0 }
                v.kind = .boolean
            } else {
                v.values = v.values.map { -$0 }
                v.kind = .number
            }
            return v
        case .binary(let op, let a, let b):
            let x = try a.vector(rows: rows, column: column)
            let y = try b.vector(rows: rows, column: column)
            return Vector(
                values: zip(x.values, y.values).map(op.apply), valid: zip(x.valid, y.valid).map { $0 && $1 },
                kind: op.isBoolean ? .boolean : .number)
        case .call(let function, let args):
            let vs = try args.map { try $0.vector(rows: rows, column: column) }
            return Self.call(function, vs, rows: rows)
        }
    }

    private static func call(_ function: Function, _ vs: [Vector], rows: Int) -> Vector {
        func map1(_ kind: Vector.Kind, _ f: (Double) -> Double) -> Vector {
            Vector(values: vs[0].values.map(f), valid: vs[0].valid, kind: kind)
        }
        func allValid(_ i: Int) -> Bool { vs.allSatisfy { $0.valid[i] } }
        switch function {
        case .log: return map1(.number, Foundation.log)
        case .exp: return map1(.number, Foundation.exp)
        case .abs: return map1(.number, Swift.abs)
        case .sqrt: return map1(.number, Foundation.sqrt)
        case .float: return map1(.number) { $0 }
        case .bool: return map1(.boolean) { $0 != 0 ? 1 : 0 }
        case .int: return map1(.integer) { $0.isFinite ? $0.rounded(.towardZero) : .nan }
        case .min, .max:
            let values = (0..<rows).map { i in
                vs.dropFirst().reduce(vs[0].values[i]) { function == .min ? Swift.min($0, $1.values[i]) : Swift.max($0, $1.values[i]) }
            }
            return Vector(values: values, valid: (0..<rows).map(allValid), kind: .number)
        case .clip:
            let values = (0..<rows).map { i in Swift.min(Swift.max(vs[0].values[i], vs[1].values[i]), vs[2].values[i]) }
            return Vector(values: values, valid: (0..<rows).map(allValid), kind: .number)
        case .coalesce:
            var values = [Double](repeating: 0, count: rows)
            var valid = [Bool](repeating: false, count: rows)
            for i in 0..<rows {
                if let first = vs.first(where: { $0.valid[i] }) {
                    values[i] = first.values[i]
                    valid[i] = true
                }
            }
            let kind = vs.allSatisfy { $0.kind == vs[0].kind } ? vs[0].kind : .number
            return Vector(values: values, valid: valid, kind: kind)
        case .if:  // A null or false condition takes the else branch, as SQL's CASE does.
            let (condition, then, otherwise) = (vs[0], vs[1], vs[2])
            var values = [Double](repeating: 0, count: rows)
            var valid = [Bool](repeating: false, count: rows)
            for i in 0..<rows {
                let branch = condition.valid[i] && condition.values[i] != 0 ? then : otherwise
                values[i] = branch.values[i]
                valid[i] = branch.valid[i]
            }
            return Vector(values: values, valid: valid, kind: then.kind == otherwise.kind ? then.kind : .number)
        }
    }
}
