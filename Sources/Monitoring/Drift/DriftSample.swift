import KiteCore

/// One column's values in the reference and current windows, prepared once for every drift test.
///
/// As Evidently does, nulls, NaN and infinities are dropped before testing. Numbers are kept sorted; categories
/// (text, booleans, and numbers a user declares categorical) are counted per distinct value.
struct DriftSample: Sendable {
    /// Sorted finite numbers, or counts per category (`labels[i]` seen `reference[i]` and `current[i]` times).
    enum Values: Sendable {
        case numbers(reference: [Double], current: [Double])
        case categories(labels: [String], reference: [Int], current: [Int])
    }

    let values: Values
    /// Whether both windows are integer columns without nulls (numpy then keeps Sturges' bins at least 1 wide).
    var integral = false

    var kind: ColumnKind {
        if case .numbers = values { return .numerical }
        return .categorical
    }

    /// Non-null values in the reference window.
    var referenceCount: Int {
        switch values {
        case .numbers(let reference, _): reference.count
        case .categories(_, let reference, _): reference.reduce(0, +)
        }
    }

    /// Non-null values in the current window.
    var currentCount: Int {
        switch values {
        case .numbers(_, let current): current.count
        case .categories(_, _, let current): current.reduce(0, +)
        }
    }

    /// Distinct values in both windows together, counted up to `limit` (Evidently's choice needs no more than 6).
    func distinctValues(upTo limit: Int = 6) -> Int {
        switch values {
        case .categories(let labels, _, _): return min(labels.count, limit)
        case .numbers(let a, let b):
            var count = 0
            var i = 0
            var j = 0
            while (i < a.count || j < b.count) && count < limit {
                let value = j == b.count || (i < a.count && a[i] <= b[j]) ? a[i] : b[j]
                while i < a.count, a[i] == value { i += 1 }
                while j < b.count, b[j] == value { j += 1 }
                count += 1
            }
            return count
        }
    }

    /// Each window's count per distinct value — numbers ascending, categories in order of first appearance — and
    /// the index of the smallest value (numbers) or label (categories).
    func counts() -> (reference: [Int], current: [Int], smallest: Int) {
        switch values {
        case .categories(let labels, let reference, let current):
            return (reference, current, labels.indices.min { labels[$0] < labels[$1] } ?? 0)
        case .numbers(let reference, let current):
            let merged = Self.distinctCounts(reference, current)
            return (merged.reference, merged.current, 0)
        }
    }

    /// Distinct values of two sorted arrays, ascending, with how often each occurs in each.
    static func distinctCounts(_ a: [Double], _ b: [Double]) -> (values: [Double], reference: [Int], current: [Int]) {
        var values: [Double] = []
        var first: [Int] = []
        var second: [Int] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            let value = j == b.count || (i < a.count && a[i] <= b[j]) ? a[i] : b[j]
            let startI = i
            let startJ = j
            while i < a.count, a[i] == value { i += 1 }
            while j < b.count, b[j] == value { j += 1 }
            values.append(value)
            first.append(i - startI)
            second.append(j - startJ)
        }
        return (values, first, second)
    }
}

extension DriftSample {
    /// The sample of one column of each window, compared as `kind`. Nil when the column's type cannot be compared
    /// that way (text as numbers) or holds times.
    init?(reference: DataColumn, current: DataColumn, kind: ColumnKind) {
        guard reference.type != .timestamp, reference.type != .date, reference.type != .binary else { return nil }
        let numeric = reference.type.isNumeric && current.type.isNumeric
        switch kind {
        case .numerical:
            guard numeric else { return nil }
            values = .numbers(reference: Self.finiteSorted(reference), current: Self.finiteSorted(current))
            integral = [reference, current].allSatisfy { [.int32, .int64].contains($0.type) && $0.nullCount == 0 }
        case .categorical:
            if numeric {
                let counts = Self.distinctCounts(Self.finiteSorted(reference), Self.finiteSorted(current))
                values = .categories(labels: counts.values.map { ValueText.text(.double($0)) ?? "" }, reference: counts.reference, current: counts.current)
            } else {
                var labels: [String: Int] = [:]
                var order: [String] = []
                let referenceIDs = Self.categoryIDs(reference, labels: &labels, order: &order)
                let currentIDs = Self.categoryIDs(current, labels: &labels, order: &order)
                var referenceCounts = [Int](repeating: 0, count: order.count)
                var currentCounts = [Int](repeating: 0, count: order.count)
                for id in referenceIDs { referenceCounts[id] += 1 }
                for id in currentIDs { currentCounts[id] += 1 }
                values = .categories(labels: order, reference: referenceCounts, current: currentCounts)
            }
        }
    }

    /// A numeric column's finite values, sorted.
    static func finiteSorted(_ column: DataColumn) -> [Double] {
        RadixSort.sorted(column.doubles().filter { $0.isFinite })
    }

    /// The category index of each non-null value of a text or boolean column, numbering new labels in order of
    /// first appearance.
    private static func categoryIDs(_ column: DataColumn, labels: inout [String: Int], order: inout [String]) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(column.count)
        for row in 0..<column.count where !column.isNull(row) {
            let text = column.values.bools.map { $0[row] ? "true" : "false" } ?? column.string(at: row)
            if let id = labels[text] {
                ids.append(id)
            } else {
                labels[text] = order.count
                ids.append(order.count)
                order.append(text)
            }
        }
        return ids
    }
}
