/// One column to sort by and its direction.
public struct SortKey: Sendable, Hashable {
    /// The column's name.
    public var column: String
    /// Whether smaller values come first.
    public var ascending: Bool

    /// Creates a sort key; ascending by default.
    public init(_ column: String, ascending: Bool = true) {
        self.column = column
        self.ascending = ascending
    }
}

extension DataFrame {
    /// The row order that sorts the frame by `keys`, stably (equal rows keep their order); nulls sort last.
    public func sortIndices(by keys: [SortKey]) throws -> [Int] {
        let comparators = try keys.map { key in
            try columns[schema.requireIndex(of: key.column)].comparator(ascending: key.ascending)
        }
        var order = Array(0..<rowCount)
        order.sort { a, b in
            for compare in comparators {
                let result = compare(a, b)
                if result != 0 { return result < 0 }
            }
            return a < b
        }
        return order
    }

    /// The frame sorted by `keys`, stably; nulls sort last.
    public func sorted(by keys: [SortKey]) throws -> DataFrame {
        try take(sortIndices(by: keys))
    }
}

extension DataColumn {
    /// A three-way comparison of two rows: negative, zero or positive. Nulls come last in either direction;
    /// NaN sorts after every number.
    func comparator(ascending: Bool) -> (Int, Int) -> Int {
        let base: (Int, Int) -> Int
        switch values {
        case .bool(let a): base = { Self.order(a[$0] ? 1 : 0, a[$1] ? 1 : 0) }
        case .int32(let a): base = { Self.order(a[$0], a[$1]) }
        case .int64(let a): base = { Self.order(a[$0], a[$1]) }
        case .float32(let a): base = { Self.order(Double(a[$0]), Double(a[$1])) }
        case .float64(let a): base = { Self.order(a[$0], a[$1]) }
        case .bytes(let offsets, let data):
            base = { x, y in
                data[offsets[x]..<offsets[x + 1]].lexicographicallyPrecedes(data[offsets[y]..<offsets[y + 1]])
                    ? -1
                    : (data[offsets[y]..<offsets[y + 1]].lexicographicallyPrecedes(data[offsets[x]..<offsets[x + 1]])
                        ? 1 : 0)
            }
        }
        let directed = ascending ? base : { base($1, $0) }
        guard let validity else { return directed }
        return { x, y in
            switch (validity[x], validity[y]) {
            case (true, true): directed(x, y)
            case (false, false): 0
            case (false, true): 1
            case (true, false): -1
            }
        }
    }

    private static func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (y < x ? 1 : 0) }

    private static func order(_ x: Double, _ y: Double) -> Int {
        if x.isNaN || y.isNaN { return x.isNaN ? (y.isNaN ? 0 : 1) : -1 }
        return x < y ? -1 : (y < x ? 1 : 0)
    }
}
