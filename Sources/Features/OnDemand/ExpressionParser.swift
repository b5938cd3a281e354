import KiteCore

/// A recursive-descent parser with precedence climbing.
struct ExpressionParser {
    enum Token: Equatable {
        case number(Double)
        case name(String)
        case symbol(String)
        case end
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

    /// The infix operator `token` stands for, if any.
    private static func binaryOperator(_ token: Token) -> Expression.BinaryOperator? {
        switch token {
        case .name(let word) where word == "and" || word == "or": Expression.BinaryOperator(rawValue: word)
        case .symbol(let symbol): Expression.BinaryOperator(rawValue: symbol)
        default: nil
        }
    }

    private mutating func parse(precedence minimum: Int) throws -> Expression {
        var left = try parseUnary()
        while let op = Self.binaryOperator(token), op.precedence > minimum {
            try advance()
            let right = try parse(precedence: op.precedence)
            left = .binary(op, left, right)
        }
        return left
    }

    private mutating func parseUnary() throws -> Expression {
        if token == .symbol("-") {
            try advance()
            return .unary(.negate, try parse(precedence: Expression.BinaryOperator.add.precedence))
        }
        if token == .name("not") {
            try advance()
            return .unary(.not, try parse(precedence: Expression.BinaryOperator.and.precedence + 1))
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
            guard let function = Expression.Function(rawValue: name) else {
                throw fail("unknown function '\(name)'; functions are \(Expression.Function.allCases.map(\.rawValue).sorted().joined(separator: ", "))")
            }
            let arity = function.arity
            try advance()
            var arguments: [Expression] = []
            if token != .symbol(")") {
                while true {
                    arguments.append(try parse(precedence: 0))
                    if token == .symbol(",") {
                        try advance()
                        continue
                    }
                    break
                }
            }
            guard token == .symbol(")") else { throw fail("expected ')' after the arguments of \(name)") }
            try advance()
            guard arity.contains(arguments.count) else {
                throw fail(
                    "\(name) takes \(arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)") arguments, not \(arguments.count)"
                )
            }
            return .call(function, arguments)
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
