import Foundation
import KiteCore

/// A rule's condition, such as `drift_share > 0.3`, `auc < champion.auc - 0.02` or `p99_latency_ms > 20`: two
/// sums of numbers and variables (dotted names allowed) compared by `>`, `>=`, `<`, `<=`, `==` or `!=`.
public struct AlertCondition: Sendable, Equatable, CustomStringConvertible {
    /// One side: terms added or subtracted.
    struct Side: Sendable, Equatable {
        var terms: [(sign: Double, term: Term)]

        static func == (a: Side, b: Side) -> Bool {
            a.terms.count == b.terms.count && zip(a.terms, b.terms).allSatisfy { $0.sign == $1.sign && $0.term == $1.term }
        }
    }

    enum Term: Sendable, Equatable {
        case number(Double)
        case variable(String)
    }

    enum Comparison: String, Sendable, CaseIterable {
        case greaterOrEqual = ">="
        case lessOrEqual = "<="
        case equal = "=="
        case notEqual = "!="
        case greater = ">"
        case less = "<"
    }

    let left: Side
    let comparison: Comparison
    let right: Side
    public let description: String

    /// Parses a condition; a mistake is an error saying what was expected.
    public init(_ text: String) throws {
        description = text
        guard let found = Comparison.allCases.compactMap({ op in text.range(of: op.rawValue).map { (op, $0) } }).min(by: { $0.1.lowerBound < $1.1.lowerBound })
        else { throw KiteError.invalidArgument("'\(text)' compares nothing: write e.g. 'drift_share > 0.3' (>, >=, <, <=, ==, !=)") }
        comparison = found.0
        left = try Self.side(String(text[..<found.1.lowerBound]), in: text)
        right = try Self.side(String(text[found.1.upperBound...]), in: text)
    }

    /// The variables the condition reads.
    public var variables: [String] {
        (left.terms + right.terms).compactMap { if case .variable(let name) = $0.term { name } else { nil } }
    }

    /// The left side's value and whether the condition holds; nil when a variable has no value (no data).
    public func evaluate(_ values: [String: Double]) -> (value: Double, holds: Bool)? {
        guard let a = Self.value(left, values), let b = Self.value(right, values) else { return nil }
        let holds: Bool
        switch comparison {
        case .greater: holds = a > b
        case .greaterOrEqual: holds = a >= b
        case .less: holds = a < b
        case .lessOrEqual: holds = a <= b
        case .equal: holds = a == b
        case .notEqual: holds = a != b
        }
        return (a, holds)
    }

    private static func value(_ side: Side, _ values: [String: Double]) -> Double? {
        var sum = 0.0
        for (sign, term) in side.terms {
            switch term {
            case .number(let number): sum += sign * number
            case .variable(let name):
                guard let value = values[name], value.isFinite else { return nil }
                sum += sign * value
            }
        }
        return sum
    }

    private static func side(_ text: String, in condition: String) throws -> Side {
        var terms: [(Double, Term)] = []
        var sign = 1.0
        var token = ""
        func flush() throws {
            let word = token.trimmingSpaces()
            token = ""
            guard !word.isEmpty else { throw KiteError.invalidArgument("'\(condition)': a value is missing around an operator") }
            if let number = Double(word) {
                terms.append((sign, .number(number)))
            } else if word.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }), word.first?.isLetter == true {
                terms.append((sign, .variable(word)))
            } else {
                throw KiteError.invalidArgument("'\(condition)': '\(word)' is neither a number nor a variable")
            }
        }
        for character in text {
            // A sign starts a term unless it begins the side or is a number's exponent (1e-5).
            let pending = token.trimmingSpaces()
            let exponent = (pending.hasSuffix("e") || pending.hasSuffix("E")) && Double(pending.dropLast()) != nil
            if (character == "+" || character == "-") && !pending.isEmpty && !exponent {
                try flush()
                sign = character == "-" ? -1 : 1
            } else {
                token.append(character)
            }
        }
        try flush()
        return Side(terms: terms)
    }
}
