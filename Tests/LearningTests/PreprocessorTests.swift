import Foundation
import KiteCore
import Learning
import Testing

/// The fitted preprocessing pipeline: hand-computed values, a frame and single rows giving identical outputs,
/// training statistics applied to new data, and a Codable round trip.
@Suite struct PreprocessorTests {
    static func trainingFrame() throws -> DataFrame {
        try DataFrame([
            ("amount", .float64s([10, nil, 30, 50, .nan])),
            ("count", .int64s([1, 2, 3, 4, 5])),
            ("is_large", .bools([false, true, nil, true, false])),
            ("category", .strings(["food", "travel", nil, "food", "fuel"])),
            ("merchant", .strings(["a", "b", "a", "c", "b"])),
        ])
    }

    let specs = [
        ColumnSpec(column: "amount", steps: [.impute(.median, indicator: true), .log1p, .standardize]),
        ColumnSpec(column: "count", steps: [.clip(lower: 2, upper: 4), .minMax]),
        ColumnSpec(column: "category", encoding: .oneHot),
        ColumnSpec(column: "merchant", encoding: .ordinal),
    ]
    let features = ["amount", "count", "is_large", "category", "merchant"]

    @Test func fitsOnTrainingRowsAndTransforms() throws {
        let train = try Self.trainingFrame()
        let preprocessor = try Preprocessor.fit(specs, features: features, on: train)
        #expect(
            preprocessor.outputNames == [
                "amount", "amount__missing", "count", "is_large", "category=food", "category=fuel", "category=travel", "merchant",
            ])
        let matrix = try preprocessor.transform(train)
        // amount: median of 10, 30, 50 is 30; then log1p; then standardize with the population deviation.
        let logs = [10.0, 30, 30, 50, 30].map { Foundation.log1p($0) }
        let mean = logs.reduce(0, +) / 5
        let deviation = (logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5).squareRoot()
        #expect(abs(matrix[0, 0] - (logs[0] - mean) / deviation) < 1e-15)
        #expect((0..<5).map { matrix[$0, 1] } == [0, 1, 0, 0, 1])  // missing indicator
        #expect((0..<5).map { matrix[$0, 2] } == [0, 0, 0.5, 1, 1])  // clipped to [2, 4], then min-max
        #expect(matrix[2, 3].isNaN && matrix[1, 3] == 1)  // booleans pass through; null stays missing
        #expect((0..<3).map { matrix[2, 4 + $0] } == [0, 0, 0])  // missing category: all zeros
        #expect((0..<3).map { matrix[1, 4 + $0] } == [0, 0, 1])
        #expect((0..<5).map { matrix[$0, 7] } == [0, 1, 0, 2, 1])

        // New data uses the training statistics; unknown categories are zeros (one-hot) or missing (ordinal).
        let test = try DataFrame([
            ("amount", .float64s([nil])), ("count", .int64s([9])), ("is_large", .bools([true])),
            ("category", .strings(["toys"])), ("merchant", .strings(["z"])),
        ])
        let row = try preprocessor.transform(test)
        #expect(abs(row[0, 0] - (Foundation.log1p(30) - mean) / deviation) < 1e-15 && row[0, 1] == 1 && row[0, 2] == 1)
        #expect((0..<3).map { row[0, 4 + $0] } == [0, 0, 0] && row[0, 7].isNaN)
    }

    /// Every type the preprocessor accepts, each with a null, scored as a frame and row by row (the serving path).
    @Test func aFrameAndSingleRowsGiveIdenticalOutputs() throws {
        let base = try Self.trainingFrame()
        let train = try DataFrame(
            Array(zip(base.schema.names, base.columns)) + [
                ("small", .int32s([7, nil, -3, 0, 12])),
                ("ratio", .float32s([0.5, 1.25, nil, -2, 3])),
                ("seen_at", .timestamps([1_700_000_000_000_000, nil, 1_700_000_100_000_001, 0, -5])),
                ("opened_on", .dates([19_000, 19_001, nil, -1, 0])),
            ])
        #expect(Set(train.columns.map(\.type)) == Set(DataType.allCases).subtracting([.binary]))  // binary is never a feature
        let features = self.features + ["small", "ratio", "seen_at", "opened_on"]
        let specs = self.specs + [ColumnSpec(column: "seen_at", steps: [.impute(.mean, indicator: true), .standardize])]
        let preprocessor = try Preprocessor.fit(specs, features: features, on: train)
        let matrix = try preprocessor.transform(train)
        for row in 0..<train.rowCount {
            var values: [String: Scalar] = [:]
            for name in features { values[name] = try train.column(name).scalar(at: row) }
            let single = try preprocessor.transform(row: values)
            let batch = (0..<matrix.columns).map { matrix[row, $0] }
            #expect(single.count == batch.count)
            for (a, b) in zip(single, batch) { #expect(a == b || (a.isNaN && b.isNaN), "row \(row): \(single) vs \(batch)") }
        }
    }

    @Test func savesAndLoads() throws {
        let train = try Self.trainingFrame()
        let preprocessor = try Preprocessor.fit(specs, features: features, on: train)
        let data = try JSONEncoder().encode(preprocessor)
        #expect(try JSONDecoder().decode(Preprocessor.self, from: data) == preprocessor)
    }

    @Test func mistakesAreClearErrors() throws {
        let train = try Self.trainingFrame()
        #expect(throws: KiteError.self) { try Preprocessor.fit([ColumnSpec(column: "count", encoding: .oneHot)], features: features, on: train) }
        #expect(throws: KiteError.self) { try Preprocessor.fit([], features: features, on: train) }  // strings need an encoding
        #expect(throws: KiteError.self) { try Preprocessor.fit([ColumnSpec(column: "ghost", steps: [.log1p])], features: ["count"], on: train) }
        #expect(throws: KiteError.self) {
            try Preprocessor.fit([ColumnSpec(column: "count", steps: [.clip(lower: 5, upper: 1)])], features: ["count"], on: train)
        }
        let preprocessor = try Preprocessor.fit(specs, features: features, on: train)
        #expect(throws: KiteError.self) { try preprocessor.transform(try DataFrame([("amount", .float64s([1]))])) }
        #expect(throws: KiteError.self) { try preprocessor.transform(row: ["amount": .string("ten")]) }
        #expect(throws: KiteError.self) { try preprocessor.transform(row: ["category": .double(1)]) }
    }
}
