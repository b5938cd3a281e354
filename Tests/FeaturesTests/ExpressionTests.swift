import Foundation
import KiteCore
import Testing

@testable import Features

@Suite struct ExpressionTests {
    static let inputs: [String: DataColumn] = [
        "amount": .float64s([10, 0, nil, -4, 250]),
        "avg": .float64s([5, 2, 3, nil, 50]),
        "count": .int64s([3, 0, 7, 1, nil]),
        "stats:rate": .float32s([0.5, 0.25, nil, 1, 0]),
        "flag": .bools([true, false, nil, true, false]),
    ]

    func run(_ text: String) throws -> [Scalar] {
        let column = try Expression(parsing: text).evaluate(rows: 5) { name in
            guard let column = Self.inputs[name] else { throw KiteError.invalidArgument("no \(name)") }
            return column
        }
        return (0..<5).map { column.scalar(at: $0) }
    }

    @Test func arithmeticAndPrecedence() throws {
        #expect(try run("amount / avg") == [.double(2), .double(0), .null, .null, .double(5)])
        #expect(try run("1 + 2 * 3 - -4") == Array(repeating: .double(11), count: 5))
        #expect(try run("(1 + 2) * 3") == Array(repeating: .double(9), count: 5))
        #expect(try run("amount * stats:rate") == [.double(5), .double(0), .null, .double(-4), .double(0)])
        #expect(try run("2.5e1 / 10") == Array(repeating: .double(2.5), count: 5))
    }

    @Test func functionsCastsAndLogic() throws {
        #expect(try run("abs(amount)")[3] == .double(4))
        #expect(try run("log(exp(2))")[0] == .double(2))
        #expect(try run("clip(amount, 0, 100)") == [.double(10), .double(0), .null, .double(0), .double(100)])
        #expect(try run("min(amount, avg, 6)") == [.double(5), .double(0), .null, .null, .double(6)])
        #expect(try run("max(amount, avg)")[4] == .double(250))
        #expect(try run("coalesce(amount, avg, 0)") == [.double(10), .double(0), .double(3), .double(-4), .double(250)])
        #expect(try run("if(amount > avg, 1, 0)") == [.double(1), .double(0), .double(0), .double(0), .double(1)])
        #expect(try run("int(amount / 3)") == [.int(3), .int(0), .null, .int(-1), .int(83)])
        #expect(try run("count") == [.int(3), .int(0), .int(7), .int(1), .null])
        #expect(try run("amount > 5 and not flag") == [.bool(false), .bool(false), .null, .bool(false), .bool(true)])
        #expect(try run("amount == 0 or count >= 7") == [.bool(false), .bool(true), .null, .bool(false), .null])
        #expect(try run("bool(count)") == [.bool(true), .bool(false), .bool(true), .bool(true), .null])
    }

    @Test func staticTypesMatchWhatEvaluationGives() throws {
        let types = Self.inputs.mapValues(\.type)
        for text in ["amount / avg", "int(amount)", "amount > 1", "count", "coalesce(count, 0)", "if(flag, 1, 2.5)"] {
            let expression = try Expression(parsing: text)
            let column = try expression.evaluate(rows: 5) { Self.inputs[$0]! }
            #expect(try expression.resultType(inputs: types) == column.type, "\(text)")
        }
        #expect(throws: KiteError.self) { try Expression(parsing: "unknown + 1").resultType(inputs: types) }
        #expect(throws: KiteError.self) { try Expression(parsing: "name * 2").resultType(inputs: ["name": .string]) }
        #expect(try Expression(parsing: "amount / stats:rate + amount").references == ["amount", "stats:rate"])
    }

    @Test(arguments: ["", "1 +", "(1 + 2", "foo(1)", "log(1, 2)", "clip(1)", "1 $ 2", "amount amount", "if(1, 2)", ")"])
    func malformedExpressionsAreRejected(text: String) {
        #expect(throws: KiteError.self) { try Expression(parsing: text) }
    }

    @Test func errorsNameThePosition() {
        #expect { try Expression(parsing: "amount + * 2") } throws: { error in
            (error as? KiteError)?.message.contains("column 10") == true
        }
    }

    /// The online path (one row) gives exactly the batch path's value, row by row, on random inputs.
    @Test func oneRowAndWholeColumnsAgree() throws {
        let expression = try Expression(parsing: "if(a > b, log(abs(a) + 1) * clip(b, -2, 2), coalesce(c, a / b)) - int(a)")
        var state: UInt64 = 99
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            return Double(Int64(bitPattern: state >> 11) % 2000) / 100 - 10
        }
        let rows = 2000
        let a = (0..<rows).map { _ in next() }
        let b = (0..<rows).map { i -> Double? in i % 13 == 0 ? nil : next() }
        let c = (0..<rows).map { i -> Double? in i % 3 == 0 ? nil : next() }
        let columns: [String: DataColumn] = ["a": .float64s(a), "b": .float64s(b), "c": .float64s(c)]
        let batch = try expression.evaluate(rows: rows) { columns[$0]! }
        for row in 0..<rows {
            let single = try expression.evaluate(row: [
                "a": .double(a[row]), "b": b[row].map(Scalar.double) ?? .null, "c": c[row].map(Scalar.double) ?? .null,
            ])
            let expected = batch.scalar(at: row)
            if case .double(let x) = single, case .double(let y) = expected, x.isNaN && y.isNaN { continue }
            #expect(single == expected, "row \(row)")
        }
    }
}
