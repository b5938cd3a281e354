import KiteCore

/// One entity's identity in the online store: its join keys (sorted by name) and their values, e.g.
/// `customer_id=1001`. The stored form is that text, with `%`, `&` and `=` in string values percent-encoded, so
/// keys are readable in `redis-cli` and a compound key has one spelling whatever order the caller gave.
public struct EntityKey: Sendable, Hashable, CustomStringConvertible {
    /// The join key names, sorted.
    public let names: [String]
    /// Each name's value: `.int` or `.string`.
    public let values: [Scalar]
    /// The stored form.
    public let bytes: [UInt8]

    /// A key of `names` and `values` (any order; sorted by name here). Values must be integers or strings.
    public init(names: [String], values: [Scalar]) throws {
        guard names.count == values.count, !names.isEmpty else {
            throw KiteError.invalidArgument("an entity key needs one value per join key (\(names.count) names, \(values.count) values)")
        }
        let order = names.indices.sorted { names[$0] < names[$1] }
        self.names = order.map { names[$0] }
        self.values = try order.map { index in
            switch values[index] {
            case .int, .string: return values[index]
            case .null: throw KiteError.invalidArgument("join key '\(names[index])' is null")
            case .bool, .float, .double, .binary, .timestamp, .date:
                throw KiteError.invalidArgument("join key '\(names[index])' must be an integer or a string, not \(values[index])")
            }
        }
        var text = ""
        for (position, (name, value)) in zip(self.names, self.values).enumerated() {
            if position > 0 { text += "&" }
            text += name + "="
            switch value {
            case .int(let number): text += String(number)
            case .string(let string): text += Self.escaped(string)
            default: break
            }
        }
        bytes = Array(text.utf8)
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }

    private static func escaped(_ text: String) -> String {
        guard text.contains(where: { $0 == "%" || $0 == "&" || $0 == "=" }) else { return text }
        var result = ""
        for character in text {
            switch character {
            case "%": result += "%25"
            case "&": result += "%26"
            case "=": result += "%3D"
            default: result.append(character)
            }
        }
        return result
    }
}
