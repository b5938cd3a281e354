import Foundation
import KiteCore

/// A condition a trained model must meet before it is registered, written as a training config writes it:
/// `auc >= 0.80`, `rmse < 12.5`, or against the model currently aliased `champion`:
/// `auc >= champion.auc - 0.002`. Comparisons: `>=`, `>`, `<=`, `<`.
public struct ValidationGate: Sendable, Hashable, CustomStringConvertible {
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case atLeast = ">="
        case above = ">"
        case atMost = "<="
        case below = "<"
    }

    /// What the metric is compared with.
    public enum Bound: Sendable, Hashable {
        case value(Double)
        /// The champion's value of `metric`, plus `offset`.
        case champion(metric: String, offset: Double)
    }

    public var metric: String
    public var comparison: Comparison
    public var bound: Bound
    public var description: String

    /// The outcome of checking a gate.
    public struct Outcome: Sendable, Hashable {
        public var gate: String
        public var value: Double
        /// The number the value was compared with; nil when the gate is against a champion and there is none.
        public var threshold: Double?
        public var passed: Bool
    }

    /// Parses `text`, saying what is wrong with it.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        description = trimmed
        // The first comparison operator splits the gate; two-character ones are tried first.
        let operators = Comparison.allCases.sorted { $0.rawValue.count > $1.rawValue.count }
        guard
            let (comparison, range) = operators.lazy.compactMap({ op in trimmed.range(of: op.rawValue).map { (op, $0) } })
                .min(by: { $0.1.lowerBound < $1.1.lowerBound })
        else {
            throw KiteError.invalidArgument("gate '\(text)' has no comparison; write e.g. 'auc >= 0.8' or 'auc >= champion.auc - 0.002'")
        }
        self.comparison = comparison
        metric = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        guard Self.isName(metric) else { throw KiteError.invalidArgument("gate '\(text)': '\(metric)' is not a metric name") }
        let right = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
        if let number = Double(right), number.isFinite {
            bound = .value(number)
        } else if right.hasPrefix("champion.") {
            let rest = right.dropFirst("champion.".count)
            let name = String(rest.prefix { $0 != " " && $0 != "+" && $0 != "-" })
            let tail = rest.dropFirst(name.count).filter { $0 != " " }
            guard Self.isName(name) else { throw KiteError.invalidArgument("gate '\(text)': 'champion.\(name)' is not a metric") }
            var offset = 0.0
            if !tail.isEmpty {
                guard let sign = tail.first, sign == "+" || sign == "-", let amount = Double(tail.dropFirst()), amount.isFinite else {
                    throw KiteError.invalidArgument("gate '\(text)': after champion.\(name) only '+ NUMBER' or '- NUMBER' may follow")
                }
                offset = sign == "-" ? -amount : amount
            }
            bound = .champion(metric: name, offset: offset)
        } else {
            throw KiteError.invalidArgument("gate '\(text)': the right side must be a number or champion.METRIC [± NUMBER]")
        }
    }

    /// Checks the gate against a run's `metrics` and the champion's (nil when there is no champion, in which case
    /// a champion gate passes: there is nothing to beat).
    public func check(_ metrics: [String: Double], champion: [String: Double]?) throws -> Outcome {
        guard let value = metrics[metric] else {
            throw KiteError.invalidArgument("gate '\(description)': the run has no metric '\(metric)'; it has \(metrics.keys.sorted().joined(separator: ", "))")
        }
        let threshold: Double
        switch bound {
        case .value(let number):
            threshold = number
        case .champion(let name, let offset):
            guard let champion else { return Outcome(gate: description, value: value, threshold: nil, passed: true) }
            guard let theirs = champion[name] else {
                throw KiteError.invalidArgument("gate '\(description)': the champion's run has no metric '\(name)'")
            }
            threshold = theirs + offset
        }
        let passed: Bool
        switch comparison {
        case .atLeast: passed = value >= threshold
        case .above: passed = value > threshold
        case .atMost: passed = value <= threshold
        case .below: passed = value < threshold
        }
        return Outcome(gate: description, value: value, threshold: threshold, passed: passed)
    }

    /// Whether any gate compares with the champion.
    public var needsChampion: Bool {
        if case .champion = bound { return true }
        return false
    }

    private static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" }
    }
}
