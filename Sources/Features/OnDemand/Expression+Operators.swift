extension Expression {
    /// `-x` and `not x`.
    public enum UnaryOperator: String, Sendable, Hashable {
        case negate = "-"
        case not
    }

    /// The infix operators, from `or` (binding loosest) to `*` and `/`.
    public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
        case or, and
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case equal = "=="
        case notEqual = "!="
        case add = "+"
        case subtract = "-"
        case multiply = "*"
        case divide = "/"

        /// Higher binds tighter.
        var precedence: Int {
            switch self {
            case .or: 1
            case .and: 2
            case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual: 4
            case .add, .subtract: 5
            case .multiply, .divide: 6
            }
        }

        /// Whether the result is a boolean (comparisons and logic) rather than a number.
        var isBoolean: Bool { precedence <= 4 }

        /// The operator on two values, booleans being 0 and 1.
        func apply(_ x: Double, _ y: Double) -> Double {
            switch self {
            case .add: x + y
            case .subtract: x - y
            case .multiply: x * y
            case .divide: x / y
            case .less: x < y ? 1 : 0
            case .lessOrEqual: x <= y ? 1 : 0
            case .greater: x > y ? 1 : 0
            case .greaterOrEqual: x >= y ? 1 : 0
            case .equal: x == y ? 1 : 0
            case .notEqual: x != y ? 1 : 0
            case .and: x != 0 && y != 0 ? 1 : 0
            case .or: x != 0 || y != 0 ? 1 : 0
            }
        }
    }

    /// The functions an expression may call.
    public enum Function: String, Sendable, Hashable, CaseIterable {
        case log, exp, abs, sqrt, min, max, clip, coalesce
        case `if`
        case int, float, bool

        /// How many arguments the function takes.
        var arity: ClosedRange<Int> {
            switch self {
            case .log, .exp, .abs, .sqrt, .int, .float, .bool: 1...1
            case .min, .max: 2...16
            case .clip, .if: 3...3
            case .coalesce: 1...16
            }
        }
    }
}
