import KiteCore

extension JSONValue {
    /// A scalar as JSON: numbers and booleans as themselves, everything else as `ValueText` writes it (ISO 8601
    /// times, base64 bytes).
    init(_ scalar: Scalar) {
        switch scalar {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .integer(number)
        case .float(let number): self = .number(Double(number))
        case .double(let number): self = .number(number)
        default: self = .string(ValueText.text(scalar) ?? "")
        }
    }

    /// This value as a scalar; an array or object is an error naming `path`.
    func scalar(at path: String) throws -> Scalar {
        switch self {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .integer(let number): .int(number)
        case .number(let number): .double(number)
        case .string(let text): .string(text)
        case .array, .object: throw KiteError.invalidArgument("'\(path)' holds a nested value; give scalars")
        }
    }

    /// An object of arrays (`{"customer_id": [1, 2]}`) as named columns of scalars; `path` names it in errors.
    func columns(at path: String) throws -> [(name: String, values: [Scalar])] {
        guard case .object(let pairs) = self else { throw KiteError.invalidArgument("'\(path)' must be an object of columns: {\"name\": [values…]}") }
        return try pairs.map { name, column in
            guard case .array(let items) = column else { throw KiteError.invalidArgument("'\(path).\(name)' must be an array of values") }
            return (name, try items.map { try $0.scalar(at: "\(path).\(name)") })
        }
    }
}
