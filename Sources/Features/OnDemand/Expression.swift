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
    case unary(String, Expression)
    case binary(String, Expression, Expression)
    case call(String, [Expression])

    /// The functions and how many arguments each takes.
    static let functions: [String: ClosedRange<Int>] = [
        "log": 1...1, "exp": 1...1, "abs": 1...1, "sqrt": 1...1, "min": 2...16, "max": 2...16, "clip": 3...3,
        "coalesce": 1...16, "if": 3...3, "int": 1...1, "float": 1...1, "bool": 1...1,
    ]

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
            case .binary(_, let a, let b): walk(a); walk(b)
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
        case .unary(let op, let a): op == "not" ? "not \(a)" : "\(op)\(a)"
        case .binary(let op, let a, let b): "(\(a) \(op) \(b))"
        case .call(let name, let args): "\(name)(\(args.map(\.description).joined(separator: ", ")))"
        }
    }
}

/// A recursive-descent parser with precedence climbing.
struct ExpressionParser {
    enum Token: Equatable {
        case number(Double), name(String), symbol(String), end
    }

    private let text: [Character]
    private var position = 0
    private var token: Token = .end
    private var tokenStart = 0

    init(_ text: String) { self.text = Array(text) }

    private func fail(_ message: String) -> KiteError {
        KiteError.invalidArgument("expression '\(String(text))': \(message) at column \(tokenStart + 1)")
    }

    private mutating func advance() throws {
        while position < text.count, text[position].isWhitespace { position += 1 }
        tokenStart = position
        guard position < text.count else {
            token = .end
            return
        }
        let c = text[position]
        if c.isNumber || (c == "." && position + 1 < text.count && text[position + 1].isNumber) {
            var end = position
            while end < text.count, text[end].isNumber || text[end] == "." { end += 1 }
            if end < text.count, text[end] == "e" || text[end] == "E" {
                end += 1
                if end < text.count, text[end] == "+" || text[end] == "-" { end += 1 }
                while end < text.count, text[end].isNumber { end += 1 }
            }
            guard let value = Double(String(text[position..<end])) else { throw fail("bad number") }
            token = .number(value)
            position = end
        } else if c.isLetter || c == "_" {
            var end = position
            while end < text.count, text[end].isLetter || text[end].isNumber || text[end] == "_" || text[end] == ":" {
                end += 1
            }
            token = .name(String(text[position..<end]))
            position = end
        } else {
            let two = position + 1 < text.count ? String(text[position...(position + 1)]) : ""
            if ["<=", ">=", "==", "!="].contains(two) {
                token = .symbol(two)
                position += 2
            } else if "+-*/(),<>".contains(c) {
                token = .symbol(String(c))
                position += 1
            } else {
                throw fail("unexpected character '\(c)'")
            }
        }
    }

    mutating func parseAll() throws -> Expression {
        try advance()
        guard token != .end else { throw fail("the expression is empty") }
        let expression = try parse(precedence: 0)
        guard token == .end else { throw fail("unexpected \(describe(token))") }
        return expression
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .number(let v): "number \(v)"
        case .name(let n): "'\(n)'"
        case .symbol(let s): "'\(s)'"
        case .end: "end of expression"
        }
    }

    private static func precedence(_ token: Token) -> Int? {
        switch token {
        case .name("or"): 1
        case .name("and"): 2
        case .symbol("<"), .symbol("<="), .symbol(">"), .symbol(">="), .symbol("=="), .symbol("!="): 4
        case .symbol("+"), .symbol("-"): 5
        case .symbol("*"), .symbol("/"): 6
        default: nil
        }
    }

    private mutating func parse(precedence minimum: Int) throws -> Expression {
        var left = try parseUnary()
        while let p = Self.precedence(token), p > minimum {
            let op: String
            switch token {
            case .symbol(let s): op = s
            case .name(let n): op = n
            default: op = ""
            }
            try advance()
            let right = try parse(precedence: p)
            left = .binary(op, left, right)
        }
        return left
    }

    private mutating func parseUnary() throws -> Expression {
        if token == .symbol("-") {
            try advance()
            return .unary("-", try parse(precedence: 5))
        }
        if token == .name("not") {
            try advance()
            return .unary("not", try parse(precedence: 3))
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws -> Expression {
        switch token {
        case .number(let value):
            try advance()
            return .number(value)
        case .name("true"), .name("false"):
            let value = token == .name("true")
            try advance()
            return .boolean(value)
        case .name(let name):
            try advance()
            guard token == .symbol("(") else { return .reference(name) }
            guard let arity = Expression.functions[name] else {
                throw fail("unknown function '\(name)'; functions are \(Expression.functions.keys.sorted().joined(separator: ", "))")
            }
            try advance()
            var arguments: [Expression] = []
            if token != .symbol(")") {
                while true {
                    arguments.append(try parse(precedence: 0))
                    if token == .symbol(",") { try advance(); continue }
                    break
                }
            }
            guard token == .symbol(")") else { throw fail("expected ')' after the arguments of \(name)") }
            try advance()
            guard arity.contains(arguments.count) else {
                throw fail("\(name) takes \(arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)") arguments, not \(arguments.count)")
            }
            return .call(name, arguments)
        case .symbol("("):
            try advance()
            let inner = try parse(precedence: 0)
            guard token == .symbol(")") else { throw fail("expected ')'") }
            try advance()
            return inner
        default:
            throw fail("unexpected \(describe(token))")
        }
    }
}
