import Foundation
import KiteCore

/// A value in a form both Kite and the Python peers can print exactly, for comparing them.
///
/// Peers print each value as `[tag, text]`: `i` integer, `f` float (Python's repr, shortest round trip), `b`
/// bool, `s` string, `x` binary as base64, `t` timestamp as microseconds, `d` date as days; null as `null`.
public enum PeerValue: Equatable, CustomStringConvertible, Sendable {
    /// Whether a statistic equals a peer's: exactly, or within `tolerance` (relative above 1).
    public static func close(_ x: Double, _ y: Double, tolerance: Double = 1e-9) -> Bool {
        x == y || abs(x - y) <= tolerance * max(1, abs(y))
    }

    case null
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case binary(String)
    case timestamp(Int64)
    case date(Int64)

    /// The peer form of a Kite value (float32 widens to its exact double).
    public init(_ scalar: Scalar) {
        switch scalar {
        case .null: self = .null
        case .bool(let v): self = .bool(v)
        case .int(let v): self = .int(v)
        case .float(let v): self = .float(Double(v))
        case .double(let v): self = .float(v)
        case .string(let v): self = .string(v)
        case .binary(let v): self = .binary(Data(v).base64EncodedString())
        case .timestamp(let v): self = .timestamp(v)
        case .date(let v): self = .date(Int64(v))
        }
    }

    /// Parses one `[tag, text]` pair (or JSON null) from a peer.
    public init(json: Any) throws {
        guard let pair = json as? [Any], pair.count == 2, let tag = pair[0] as? String, let text = pair[1] as? String
        else {
            if json is NSNull {
                self = .null
                return
            }
            throw KiteError.corrupt("peer value \(json) is not [tag, text]")
        }
        let bad = KiteError.corrupt("peer value \(pair) does not parse")
        switch tag {
        case "i":
            guard let v = Int64(text) else { throw bad }
            self = .int(v)
        case "f":
            guard let v = Double(text) else { throw bad }
            self = .float(v)
        case "b": self = .bool(text == "true")
        case "s": self = .string(text)
        case "x": self = .binary(text)
        case "t":
            guard let v = Int64(text) else { throw bad }
            self = .timestamp(v)
        case "d":
            guard let v = Int64(text) else { throw bad }
            self = .date(v)
        default: throw bad
        }
    }

    public static func == (lhs: PeerValue, rhs: PeerValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.int(let a), .int(let b)), (.timestamp(let a), .timestamp(let b)), (.date(let a), .date(let b)): a == b
        case (.float(let a), .float(let b)): a == b || (a.isNaN && b.isNaN)
        case (.bool(let a), .bool(let b)): a == b
        case (.string(let a), .string(let b)), (.binary(let a), .binary(let b)): a == b
        default: false
        }
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .int(let v): "int \(v)"
        case .float(let v): "float \(v)"
        case .bool(let v): "bool \(v)"
        case .string(let v): "string \(v.debugDescription)"
        case .binary(let v): "binary \(v)"
        case .timestamp(let v): "timestamp \(v)"
        case .date(let v): "date \(v)"
        }
    }

    /// The rows of `frame` as peer values.
    public static func rows(of frame: DataFrame) -> [[PeerValue]] {
        (0..<frame.rowCount).map { row in frame.columns.map { PeerValue($0.scalar(at: row)) } }
    }

    /// How many rows differ between two tables of peer values, and a description of the first few differences.
    public static func differences(
        _ ours: [[PeerValue]], _ theirs: [[PeerValue]], ourName: String = "kite", theirName: String
    ) -> (count: Int, examples: [String]) {
        var count = abs(ours.count - theirs.count)
        var examples: [String] = count > 0 ? ["\(ourName) has \(ours.count) rows, \(theirName) \(theirs.count)"] : []
        for (row, (a, b)) in zip(ours, theirs).enumerated() where a != b {
            count += 1
            if examples.count < 3 { examples.append("row \(row): \(ourName) \(a) != \(theirName) \(b)") }
        }
        return (count, examples)
    }

    /// Parses a peer's output: a JSON line with the column names, then one JSON array per row.
    public static func parsePeerTable(_ text: String) throws -> (names: [String], rows: [[PeerValue]]) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).makeIterator()
        guard let first = lines.next(),
            let names = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String]
        else { throw KiteError.corrupt("peer output has no header line") }
        var rows: [[PeerValue]] = []
        while let line = lines.next() {
            guard let values = try JSONSerialization.jsonObject(with: Data(line.utf8), options: .fragmentsAllowed) as? [Any]
            else { throw KiteError.corrupt("peer row is not an array: \(line)") }
            rows.append(try values.map(PeerValue.init(json:)))
        }
        return (names, rows)
    }
}
