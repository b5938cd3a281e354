import Foundation
import KiteCore
import KiteTesting
import Monitoring
import Parquet
import Testing

/// Data drift against Evidently's `DataDriftPreset` (`Tests/peers/drift_peer.py`, Evidently 0.7 over scipy) on
/// generated windows: every default test, every selectable one, and numeric, categorical, boolean, constant,
/// sparse (tiny), noisy (NaN, infinities) and all-null columns.
@Suite struct DriftAnalysisTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let referenceRows: Int
        let currentRows: Int
        let methods: [String: DriftMethod]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "small windows, Evidently's defaults (KS, chi-square, z)", referenceRows: 800, currentRows: 600, methods: [:]),
        Case(name: "equal windows (KS on equal sizes)", referenceRows: 500, currentRows: 500, methods: [:]),
        Case(name: "large windows, Evidently's defaults (Wasserstein, Jensen-Shannon)", referenceRows: 5_000, currentRows: 3_000, methods: [:]),
        Case(
            name: "chosen tests (PSI, Jensen-Shannon on bins, exact KS on a large window)", referenceRows: 5_000, currentRows: 3_000,
            methods: ["amount": .psi, "age": .jensenshannon, "country": .psi, "noisy": .ks, "rating": .wasserstein, "is_new": .jensenshannon, "flag": .psi]),
        Case(name: "small reference, current over 10,000 rows (KS by the finite-n distribution)", referenceRows: 800, currentRows: 12_000, methods: [:]),
        Case(name: "chosen KS on large windows", referenceRows: 11_000, currentRows: 15_000, methods: ["amount": .ks, "noisy": .ks, "age": .ks]),
        Case(
            name: "chosen tests on small windows (Wasserstein, PSI with empty bins)", referenceRows: 300, currentRows: 900,
            methods: ["amount": .wasserstein, "age": .psi, "rating": .jensenshannon, "country": .jensenshannon]),
    ]

    static let numerical = ["amount", "age", "rating", "flag", "constant", "sparse", "noisy"]
    static let categorical = ["country", "is_new"]

    @Test(arguments: cases)
    func equalsEvidently(_ testCase: Case) async throws {
        let reference = try Self.window(rows: testCase.referenceRows, shifted: false, seed: 7)
        let current = try Self.window(rows: testCase.currentRows, shifted: true, seed: 11)
        var options = DriftOptions()
        options.columnMethods = testCase.methods
        let report = try await DriftAnalysis.run(reference: reference, current: current, columns: Self.numerical + Self.categorical, options: options)
        let peer = try await Self.evidently(reference, current, methods: testCase.methods)
        let columns = try #require(peer["columns"] as? [String: [String: Any]], "\(peer)")
        #expect(columns.count == Self.numerical.count + Self.categorical.count)
        for (name, theirs) in columns {
            let ours = try #require(report.column(name))
            // Evidently names a test it chose by its display name and one given by name by that name.
            let theirMethod = theirs["method"] as? String
            #expect(ours.method.map { [$0.displayName, $0.rawValue].contains(theirMethod) } == true, "\(name): \(theirMethod ?? "-")")
            #expect(ours.threshold == theirs["threshold"] as? Double, "\(name)")
            let value = try #require(theirs["value"] as? Double)
            #expect(PeerValue.close(ours.value ?? .nan, value), "\(name) (\(ours.method?.rawValue ?? "-")): Kite \(ours.value ?? .nan), Evidently \(value)")
        }
        #expect(Double(report.driftedColumns) == peer["count"] as? Double)
        #expect(PeerValue.close(report.driftShare, peer["share"] as? Double ?? .nan))
        // The generated current window is shifted: some columns drift, the constant one never does.
        #expect(report.driftedColumns > 0)
        #expect(report.column("constant")?.drifted == false)
    }

    @Test func emptyColumnIsSkippedWhereEvidentlyStops() async throws {
        let reference = try Self.window(rows: 400, shifted: false, seed: 3).adding("empty", .float64s(Array(repeating: nil, count: 400)))
        let current = try Self.window(rows: 300, shifted: true, seed: 4).adding("empty", .float64s((0..<300).map { $0 == 0 ? 1 : nil }))
        let report = try await DriftAnalysis.run(reference: reference, current: current, columns: ["amount", "empty"])
        let empty = try #require(report.column("empty"))
        #expect(empty.skipped == "no values in the reference window")
        #expect(empty.value == nil && !empty.drifted)
        #expect(report.testedColumns == 1)
        let peer = try await Self.evidently(reference, current, numerical: ["amount", "empty"], categorical: [], methods: [:])
        #expect((peer["error"] as? String)?.contains("empty column 'empty'") == true, "\(peer)")
    }

    @Test func mistakesAreClearErrors() async throws {
        let frame = try Self.window(rows: 50, shifted: false, seed: 1)
        await #expect(throws: KiteError.self) { try await DriftAnalysis.run(reference: frame, current: frame, columns: ["missing"]) }
        var options = DriftOptions()
        options.columnMethods = ["country": .ks]
        let error = await #expect(throws: KiteError.self) {
            try await DriftAnalysis.run(reference: frame, current: frame, columns: ["country"], options: options)
        }
        #expect(error?.message.contains("ks test does not apply to the categorical column 'country'") == true)
    }

    // MARK: - Data

    /// A window of generated rows; `shifted` moves the numbers, skews the categories and adds a new country.
    static func window(rows: Int, shifted: Bool, seed: UInt64) throws -> DataFrame {
        var random = SeededGenerator(seed: seed)
        func normal() -> Double { (-2 * log(1 - random.unit())).squareRoot() * cos(2 * .pi * random.unit()) }
        let shift = shifted ? 0.25 : 0
        let countries = shifted ? ["DE", "FR", "NL", "PL", "ES", "ZZ"] : ["DE", "FR", "NL", "PL", "ES"]
        var amount: [Double?] = []
        var age: [Int64?] = []
        var rating: [Int64?] = []
        var flag: [Int64?] = []
        var sparse: [Double?] = []
        var noisy: [Double?] = []
        var country: [String?] = []
        var isNew: [Bool?] = []
        for row in 0..<rows {
            amount.append(50 + 10 * (normal() + shift))
            age.append(Int64(18 + random.below(shifted ? 55 : 62)))
            rating.append(Int64(1 + random.below(shifted ? 3 : 4)))
            flag.append(random.unit() < (shifted ? 0.35 : 0.3) ? 1 : 0)
            sparse.append(row % 97 == 0 ? Double(row % 5) : nil)
            let u = random.unit()
            noisy.append(u < 0.02 ? .nan : u < 0.03 ? .infinity : u < 0.06 ? nil : normal() * 3 + shift)
            country.append(u < 0.05 ? nil : countries[min(random.below(countries.count + 1), countries.count - 1)])
            isNew.append(random.unit() < (shifted ? 0.6 : 0.5))
        }
        return try DataFrame([
            ("amount", .float64s(amount)), ("age", .int64s(age)), ("rating", .int64s(rating)), ("flag", .int64s(flag)),
            ("constant", .float64s(Array(repeating: 1, count: rows))), ("sparse", .float64s(sparse)), ("noisy", .float64s(noisy)),
            ("country", .strings(country)), ("is_new", .bools(isNew)),
        ])
    }

    /// Evidently's answer for the two windows, through Parquet files.
    static func evidently(
        _ reference: DataFrame, _ current: DataFrame, numerical: [String] = numerical, categorical: [String] = categorical,
        methods: [String: DriftMethod]
    ) async throws -> [String: Any] {
        let directory = try TemporaryDirectory()
        try await ParquetWriter.write(reference, to: directory.file("reference.parquet"))
        try await ParquetWriter.write(current, to: directory.file("current.parquet"))
        let spec: [String: Any] = ["numerical": numerical, "categorical": categorical, "methods": methods.mapValues(\.rawValue)]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let peer = try await Subprocess.run(
            try TestServices.monitorPython(),
            [TestEnvironment.peerScript("drift_peer.py"), "drift", directory.file("reference.parquet"), directory.file("current.parquet"), json])
        #expect(peer.status == 0, "\(peer.standardError)")
        return try #require(try JSONSerialization.jsonObject(with: Data(peer.standardOutput.utf8)) as? [String: Any], "\(peer.standardOutput)")
    }
}

extension DataFrame {
    fileprivate func adding(_ name: String, _ column: DataColumn) throws -> DataFrame {
        try DataFrame(zip(schema.fields.map(\.name), columns).map { ($0, $1) } + [(name, column)])
    }
}
