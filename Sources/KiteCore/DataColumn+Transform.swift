extension DataColumn {
    /// The rows in `range`, which must lie within `0..<count`.
    public func slice(_ range: Range<Int>) throws -> DataColumn {
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw KiteError.invalidArgument("slice \(range) is outside 0..<\(count)")
        }
        return slice(unchecked: range)
    }

    /// The rows at `indices`, in that order; every index must lie within `0..<count`.
    public func take(_ indices: [Int]) throws -> DataColumn {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw KiteError.invalidArgument("row index \(bad) is outside 0..<\(count)")
        }
        return take(uncheckedIndices: indices)
    }

    /// The rows at `indices`, where a negative index gives a null row (the gather of a left join).
    public func take(nullableIndices indices: [Int]) throws -> DataColumn {
        if let bad = indices.first(where: { $0 >= count }) {
            throw KiteError.invalidArgument("row index \(bad) is outside 0..<\(count)")
        }
        guard indices.contains(where: { $0 < 0 }) else { return take(uncheckedIndices: indices) }
        if count == 0 {
            // Nothing to gather from: every row is null.
            let placeholder = DataColumn.empty(type).values.withPlaceholders(indices.count)
            return DataColumn(unchecked: type, placeholder, Bitmap(repeating: false, count: indices.count))
        }
        let gathered = take(uncheckedIndices: indices.map { Swift.max($0, 0) })
        var validity = gathered.validity ?? Bitmap(repeating: true, count: indices.count)
        for (row, index) in indices.enumerated() where index < 0 { validity[row] = false }
        return DataColumn(unchecked: type, gathered.values, validity)
    }

    /// The rows where `mask` is true; `mask` must have one entry per row.
    public func filter(_ mask: [Bool]) throws -> DataColumn {
        guard mask.count == count else {
            throw KiteError(.mismatch, "mask has \(mask.count) entries for \(count) rows")
        }
        return take(uncheckedIndices: mask.indices.filter { mask[$0] })
    }

    /// The rows in `range`, which the caller guarantees is in bounds.
    package func slice(unchecked range: Range<Int>) -> DataColumn {
        let newValues: Values
        switch values {
        case .bool(let a): newValues = .bool(Array(a[range]))
        case .int32(let a): newValues = .int32(Array(a[range]))
        case .int64(let a): newValues = .int64(Array(a[range]))
        case .float32(let a): newValues = .float32(Array(a[range]))
        case .float64(let a): newValues = .float64(Array(a[range]))
        case .bytes(let offsets, let data):
            let base = offsets[range.lowerBound]
            newValues = .bytes(
                offsets: offsets[range.lowerBound...range.upperBound].map { $0 - base },
                data: Array(data[base..<offsets[range.upperBound]]))
        }
        let newValidity = validity.map { bits in Bitmap(range.lazy.map { bits[$0] }) }
        return DataColumn(unchecked: type, newValues, newValidity)
    }

    /// The rows at `indices`, which the caller guarantees are in range.
    package func take(uncheckedIndices indices: [Int]) -> DataColumn {
        func gather<T>(_ a: [T]) -> [T] {
            a.withUnsafeBufferPointer { source in indices.map { source[$0] } }
        }
        let newValues: Values
        switch values {
        case .bool(let a): newValues = .bool(gather(a))
        case .int32(let a): newValues = .int32(gather(a))
        case .int64(let a): newValues = .int64(gather(a))
        case .float32(let a): newValues = .float32(gather(a))
        case .float64(let a): newValues = .float64(gather(a))
        case .bytes(let offsets, let data):
            var newOffsets = [Int](repeating: 0, count: indices.count + 1)
            var total = 0
            for (k, i) in indices.enumerated() {
                total += offsets[i + 1] - offsets[i]
                newOffsets[k + 1] = total
            }
            var newData = [UInt8](repeating: 0, count: total)
            newData.withUnsafeMutableBytes { out in
                data.withUnsafeBytes { source in
                    for (k, i) in indices.enumerated() where offsets[i + 1] > offsets[i] {
                        out.baseAddress!.advanced(by: newOffsets[k]).copyMemory(
                            from: source.baseAddress!.advanced(by: offsets[i]), byteCount: offsets[i + 1] - offsets[i])
                    }
                }
            }
            newValues = .bytes(offsets: newOffsets, data: newData)
        }
        let newValidity = validity.map { bits in Bitmap(indices.lazy.map { bits[$0] }) }
        return DataColumn(unchecked: type, newValues, newValidity)
    }

    /// The columns one after another; all must have the same type.
    public static func concatenate(_ parts: [DataColumn]) throws -> DataColumn {
        guard let type = parts.first?.type else {
            throw KiteError.invalidArgument("cannot concatenate zero columns")
        }
        if let other = parts.first(where: { $0.type != type }) {
            throw KiteError(.mismatch, "cannot concatenate a \(other.type) column to a \(type) column")
        }
        let values: Values
        switch parts[0].values {
        case .bool: values = .bool(parts.flatMap { $0.values.bools ?? [] })
        case .int32: values = .int32(parts.flatMap { $0.values.int32s ?? [] })
        case .int64: values = .int64(parts.flatMap { $0.values.int64s ?? [] })
        case .float32: values = .float32(parts.flatMap { $0.values.float32s ?? [] })
        case .float64: values = .float64(parts.flatMap { $0.values.float64s ?? [] })
        case .bytes:
            var offsets = [0]
            var data: [UInt8] = []
            for part in parts {
                guard case .bytes(let partOffsets, let partData) = part.values else { continue }
                let base = data.count
                data.append(contentsOf: partData)
                offsets.append(contentsOf: partOffsets.dropFirst().map { $0 + base })
            }
            values = .bytes(offsets: offsets, data: data)
        }
        var validity: Bitmap?
        if parts.contains(where: { $0.validity != nil }) {
            var bits = Bitmap(repeating: true, count: 0)
            bits.reserveCapacity(values.count)
            for part in parts {
                for i in 0..<part.count { bits.append(!part.isNull(i)) }
            }
            validity = bits
        }
        return DataColumn(unchecked: type, values, validity)
    }
}
