import KiteCore
import Testing

@Suite struct DataFrameTests {
    func sample() throws -> DataFrame {
        try DataFrame([
            ("id", .int64s([3, 1, 2, nil, 1])),
            ("name", .strings(["c", "a", nil, "d", "b"])),
            ("score", .float64s([0.5, nil, 2.5, 1.0, .nan])),
        ])
    }

    @Test func schemaAndColumnsAgree() throws {
        let frame = try sample()
        #expect(frame.rowCount == 5)
        #expect(frame.schema.names == ["id", "name", "score"])
        #expect(try frame.column("name").nullCount == 1)
        #expect(throws: KiteError.self) { try frame.column("missing") }
        #expect(throws: KiteError.self) { try DataFrame([("a", .int64s([1])), ("b", .int64s([1, 2]))]) }
        #expect(throws: KiteError.self) { try DataFrame([("a", .int64s([1])), ("a", .int64s([2]))]) }
        let required = try Schema([Field("a", .int64, nullable: false)])
        #expect(throws: KiteError.self) { try DataFrame(schema: required, columns: [.int64s([nil])]) }
    }

    /// Names must be unique, whether a schema is small enough to compare them pair by pair or not.
    @Test func schemaNamesAreUnique() throws {
        for count in [2, 16, 17, 40] {
            let names = (0..<count).map { "column_\($0)" }
            #expect(try Schema(names.map { Field($0, .int64) }).count == count)
            for duplicate in [1, count - 1] {
                let fields = names.enumerated().map { Field($0 == duplicate ? names[0] : $1, .int64) }
                #expect(throws: KiteError.self) { try Schema(fields) }
            }
        }
    }

    @Test func selectAndRename() throws {
        let frame = try sample().select(["score", "id"]).renamed(["score": "s"])
        #expect(frame.schema.names == ["s", "id"])
        #expect(frame.columns[1].scalar(at: 0) == .int(3))
        #expect(throws: KiteError.self) { try sample().renamed(["nope": "x"]) }
        #expect(throws: KiteError.self) { try sample().select(["nope"]) }
    }

    @Test func sliceTakeFilter() throws {
        let frame = try sample()
        let sliced = try frame.slice(1..<3)
        #expect(sliced.rowCount == 2)
        #expect(sliced.columns[1].scalar(at: 0) == .string("a"))
        #expect(sliced.columns[1].scalar(at: 1) == .null)
        let taken = try frame.take([4, 4, 0])
        #expect(PeerRow.of(taken, 0) == [.int(1), .string("b"), .double(.nan)].map(PeerRow.Value.init))
        #expect(taken.columns[0].scalar(at: 2) == .int(3))
        #expect(throws: KiteError.self) { try frame.take([5]) }
        #expect(throws: KiteError.self) { try frame.take([-1]) }
        #expect(throws: KiteError.self) { try frame.slice(3..<9) }
        let filtered = try frame.filter([true, false, true, true, false])
        #expect(filtered.columns[0].scalar(at: 2) == .null)
        #expect(filtered.columns[1].string(at: 0) == "c")
        #expect(throws: KiteError.self) { try frame.filter([true]) }
    }

    @Test func concatenateKeepsNullsAndStrings() throws {
        let frame = try sample()
        let doubled = try DataFrame.concatenate([frame, frame.slice(0..<2)])
        #expect(doubled.rowCount == 7)
        #expect(doubled.columns[1].scalar(at: 6) == .string("a"))
        #expect(doubled.columns[1].nullCount == 1)
        #expect(doubled.columns[0].scalar(at: 3) == .null)
        let other = try DataFrame([("id", .int32s([1]))])
        #expect(throws: KiteError.self) { try DataFrame.concatenate([frame, other]) }
        #expect(throws: KiteError.self) { try DataFrame.concatenate([]) }
    }

    /// Columns from arrays without nulls equal the same values given as optionals, with no validity to check.
    @Test func columnsWithoutNullsEqualOptionalOnes() {
        let doubles: [Double] = [1.5, -0.0, .infinity, 3]
        let integers: [Int64] = [7, .min, .max, 0]
        for (plain, optional) in [
            (DataColumn.float64s(doubles), DataColumn.float64s(doubles.map { Optional($0) })),
            (.int64s(integers), .int64s(integers.map { Optional($0) })), (.timestamps(integers), .timestamps(integers.map { Optional($0) })),
        ] {
            #expect(plain.type == optional.type && plain.validity == nil && plain.nullCount == 0)
            #expect((0..<plain.count).map(plain.scalar(at:)) == (0..<optional.count).map(optional.scalar(at:)))
        }
    }

    @Test func sortIsStableWithNullsLast() throws {
        let frame = try sample()
        // id ascending: 1 (row 1), 1 (row 4), 2, 3, null — equal keys keep their order.
        #expect(try frame.sortIndices(by: [SortKey("id")]) == [1, 4, 2, 0, 3])
        #expect(try frame.sortIndices(by: [SortKey("id", ascending: false)]) == [0, 2, 1, 4, 3])
        #expect(try frame.sortIndices(by: [SortKey("id"), SortKey("name", ascending: false)]) == [4, 1, 2, 0, 3])
        #expect(try frame.sortIndices(by: [SortKey("name")]) == [1, 4, 0, 3, 2])
        // NaN sorts after numbers, null after NaN.
        #expect(try frame.sortIndices(by: [SortKey("score")]) == [0, 3, 2, 4, 1])
        let sorted = try frame.sorted(by: [SortKey("name")])
        #expect((0..<5).map { sorted.columns[1].scalar(at: $0) } == [.string("a"), .string("b"), .string("c"), .string("d"), .null])
        #expect(throws: KiteError.self) { try frame.sorted(by: [SortKey("nope")]) }
    }

    @Test func stableSortOnManyEqualKeys() throws {
        let n = 10_000
        let frame = try DataFrame([("k", .int64s((0..<n).map { Int64($0 % 3) })), ("i", .int64s((0..<n).map(Int64.init)))])
        let order = try frame.sortIndices(by: [SortKey("k")])
        for pair in zip(order, order.dropFirst()) where pair.0 % 3 == pair.1 % 3 {
            #expect(pair.0 < pair.1)
        }
    }

    @Test func doublesUseNaNForNull() throws {
        let values = try sample().column("id").doubles()
        #expect(values[0] == 3 && values[2] == 2)
        #expect(values[3].isNaN)
        #expect(try sample().column("name").doubles().allSatisfy(\.isNaN))
        #expect(DataColumn.bools([true, false, nil]).doubles()[0...1] == [1, 0])
        #expect(DataColumn.timestamps([5]).doubles() == [5])
    }

    /// Appending an array packs whole words at once; the bits equal appending them one by one, from any start; the
    /// set bits are walked in order.
    @Test func bitmapAppendsArrays() {
        var generator = SeededGenerator(seed: 7)
        for start in [0, 1, 63, 64, 100] {
            for length in [0, 1, 63, 64, 65, 200] {
                let first = (0..<start).map { _ in Bool.random(using: &generator) }
                let more = (0..<length).map { _ in Bool.random(using: &generator) }
                var packed = Bitmap(first)
                packed.append(contentsOf: more)
                var single = Bitmap(repeating: false, count: 0)
                for bit in first + more { single.append(bit) }
                #expect(packed == single && packed.count == start + length, "start \(start), length \(length)")
                #expect((0..<packed.count).map { packed[$0] } == first + more)
                var set: [Int] = []
                packed.forEachSetBit { set.append($0) }
                #expect(set == (first + more).indices.filter { (first + more)[$0] }, "set bits, start \(start), length \(length)")
            }
        }
    }

    @Test func bitmapCounts() {
        var bits = Bitmap(repeating: true, count: 70)
        #expect(bits.setCount == 70)
        bits[69] = false
        bits[0] = false
        #expect(bits.clearCount == 2)
        bits.append(true)
        #expect(bits.count == 71 && bits[70])
    }

    @Test func columnStorageMustFitType() {
        #expect(throws: KiteError.self) { try DataColumn(type: .string, values: .int64([1])) }
        #expect(throws: KiteError.self) { try DataColumn(type: .string, values: .bytes(offsets: [0, 5], data: [1])) }
        #expect(throws: KiteError.self) {
            try DataColumn(type: .int64, values: .int64([1]), validity: Bitmap(repeating: true, count: 2))
        }
    }
}

/// Row comparison that treats NaN as equal to NaN.
enum PeerRow {
    struct Value: Equatable {
        let scalar: Scalar
        init(_ scalar: Scalar) { self.scalar = scalar }
        static func == (a: Value, b: Value) -> Bool {
            if case .double(let x) = a.scalar, case .double(let y) = b.scalar, x.isNaN && y.isNaN { return true }
            return a.scalar == b.scalar
        }
    }

    static func of(_ frame: DataFrame, _ row: Int) -> [Value] { frame.columns.map { Value($0.scalar(at: row)) } }
}
