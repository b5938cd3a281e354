import KiteCore

/// An on-demand feature's formula: arithmetic, comparisons, `and`/`or`/`not`, and the functions `log`, `exp`,
/// `abs`, `sqrt`, `min`, `max`, `clip`, `coalesce`, `if`, and the casts `int`, `float`, `bool`.
///
/// Names refer to input columns: a feature (`amount`, or `view:feature` for another view's feature) or a field of
/// the request. One evaluator serves training (whole columns) and serving (a one-row frame), so values cannot
/// differ between the two.
public indirect enum Expression: Sendable, Hashable, CustomStringConvertible {
    case number(Double)
    case boolean(Bool)
    case reference(String)
    case unary(UnaryOperator, Expression)
    case binary(BinaryOperator, Expression, Expression)
    case call(Function, [Expression])

    /// Parses `text`; errors name the position.
    public init(parsing text: String) throws {
        var parser = ExpressionParser(text)
        self = try parser.parseAll()
    }

    /// Every name the expression refers to, in order of first use.
    public var references: [String] {
        var seen: [String] = []
        func walk(_ e: Expression) {
            switch e {
            case .number, .boolean: break
            case .reference(let name): if !seen.contains(name) { seen.append(name) }
            case .unary(_, let a): walk(a)
            case .binary(_, let a, let b):
                walk(a)
                walk(b)
            case .call(_, let args): args.forEach(walk)
            }
        }
        walk(self)
        return seen
    }

    public var description: String {
        switch self {
        case .number(let v): v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
        case .boolean(let v): v ? "true" : "false"
        case .reference(let name): name
        case .unary(let op, let a): op == .not ? "not \(a)" : "-\(a)"
        case .binary(let op, let a, let b): "(\(a) \(op.rawValue) \(b))"
        case .call(let function, let args): "\(function.rawValue)(\(args.map(\.description).joined(separator: ", ")))"
        }
    }
}
