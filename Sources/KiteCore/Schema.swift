/// A named, typed column description.
public struct Field: Sendable, Hashable, Codable {
    /// The column's name, unique within a schema.
    public var name: String
    /// The type of the column's values.
    public var type: DataType
    /// Whether the column may hold nulls.
    public var nullable: Bool

    /// Creates a field.
    public init(_ name: String, _ type: DataType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// The ordered list of fields that describes a `DataFrame`.
public struct Schema: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The fields, in column order.
    public private(set) var fields: [Field]

    /// Creates a schema; field names must be unique.
    public init(_ fields: [Field]) throws {
        // A served request's frames have a dozen columns: comparing names pairwise is cheaper than hashing them.
        let pairwise = fields.count <= Self.pairwiseLimit
        var seen = Set<String>()
        for (index, field) in fields.enumerated()
        where pairwise ? fields[..<index].contains(where: { $0.name == field.name }) : !seen.insert(field.name).inserted {
            throw KiteError.invalidArgument("duplicate column name '\(field.name)'")
        }
        self.fields = fields
    }

    /// Up to how many fields names are checked for uniqueness pair by pair.
    static let pairwiseLimit = 16

    /// The number of fields.
    public var count: Int { fields.count }

    /// The field names, in order.
    public var names: [String] { fields.map(\.name) }

    /// The position of the field with this name, if any.
    public func index(of name: String) -> Int? { fields.firstIndex { $0.name == name } }

    /// The position of the field with this name, or a `not_found` error that lists the available names.
    public func requireIndex(of name: String) throws -> Int {
        guard let index = index(of: name) else {
            throw KiteError(.notFound, "no column named '\(name)'; columns are: \(names.joined(separator: ", "))")
        }
        return index
    }

    public var description: String {
        fields.map { "\($0.name): \($0.type)\($0.nullable ? "" : " not null")" }.joined(separator: "\n")
    }
}
