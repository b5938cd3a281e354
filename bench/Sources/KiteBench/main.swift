// Kite's side of the side-by-side benchmarks in bench/: runs one workload and prints its timings as JSON.
//
//   KiteBench parquet INPUT.parquet OUTPUT.parquet REPEATS   write OUTPUT from INPUT's frame, read it back
//   KiteBench parquet-read FILE REPEATS                       only read (for profiling the reader)
//   KiteBench object-storage ENDPOINT BUCKET FILE REPEATS     upload FILE to S3 and download it again
//   KiteBench pit-join ENTITIES FEATURES OUTPUT REPEATS       point-in-time join, Parquet to Parquet (1-day ttl)
//   KiteBench gbdt TRAIN.parquet TEST.parquet                 train binary GBDT (label column y), test AUC, 1-row latency
//   KiteBench imported MODEL.txt ROWS.f64                     import a LightGBM model; 1-row predict and explain latency
import Features
import Foundation
import KiteCore
import Learning
import Logging
import ObjectStorage
import Parquet

func seconds(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Void) async rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "gbdt" {
    /// The float64 columns other than `y` as a row-major matrix, and `y`.
    func load(_ path: String) async throws -> (Matrix, [Double]) {
        let frame = try await ParquetReader(path: path).read()
        let columns = frame.schema.fields.map(\.name).filter { $0 != "y" }
        let data = try columns.map { try frame.column($0).doubles() }
        var values = [Double](repeating: 0, count: frame.rowCount * columns.count)
        for (c, column) in data.enumerated() { for r in 0..<frame.rowCount { values[r * columns.count + c] = column[r] } }
        return (try Matrix(rows: frame.rowCount, columns: columns.count, values: values), try frame.column("y").doubles())
    }
    let (train, trainLabels) = try await load(arguments[2])
    let (test, testLabels) = try await load(arguments[3])
    var parameters = GBDTParameters(objective: .binary)
    parameters.seed = 7
    var model: GradientBoostedTrees?
    let time = try await seconds { model = try GBDTTrainer(parameters: parameters).fit(features: train, labels: trainLabels) }
    guard let model else { exit(1) }
    let auc = try BinaryMetrics.rocAUC(labels: testLabels, scores: try model.predict(test))
    // One row at a time, in process: the latency a server pays per prediction (the packed predictor a server
    // holds, and the model's own tree-by-tree walk).
    let rows = (0..<1000).map { row in (0..<test.columns).map { test[row, $0] } }
    let predictor = try model.predictor()
    var sink = 0.0
    let latency = try await seconds { for _ in 0..<20 { for row in rows { sink += try predictor.predict(row) } } } / 20_000
    let walk = try await seconds { for _ in 0..<20 { for row in rows { sink -= try model.predict(row) } } } / 20_000
    print("{\"train_seconds\": \(time), \"auc\": \(auc), \"predict_one_us\": \(latency * 1e6), \"predict_one_walk_us\": \(walk * 1e6), \"checksum\": \(sink)}")
    exit(0)
}
if arguments.count == 4, arguments[1] == "imported" {
    let model = try ImportedModel.read(try Data(contentsOf: URL(fileURLWithPath: arguments[2])), source: arguments[2]).modelFile()
    let data = try Data(contentsOf: URL(fileURLWithPath: arguments[3]))
    let width = model.signature.inputs.count
    let values = data.withUnsafeBytes { bytes in (0..<data.count / 8).map { bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) } }
    let rows = (0..<values.count / width).map { Array(values[$0 * width..<($0 + 1) * width]) }
    guard case .gbdt(let trees) = model.learner else { exit(1) }
    let predictor = try trees.predictor()
    let explainer = try model.explainer()
    var sink = 0.0
    func best(_ repeats: Int, _ body: () throws -> Void) async rethrows -> Double {
        var fastest = Double.infinity
        for _ in 0..<repeats { fastest = min(fastest, try await seconds { try body() }) }
        return fastest / Double(rows.count) * 1e6
    }
    let predict = try await best(20) { for row in rows { sink += try predictor.predict(row) } }
    let explain = try await best(5) { for row in rows { sink += try explainer.contributions(row: row)[0] } }
    print("{\"predict_us\": \(predict), \"explain_us\": \(explain), \"trees\": \(trees.trees.count), \"checksum\": \(sink)}")
    exit(0)
}
if arguments.count == 4, arguments[1] == "parquet-read", let repeats = Int(arguments[3]) {
    for _ in 0..<repeats {
        let time = try await seconds { _ = try await ParquetReader(path: arguments[2]).read() }
        print(time)
    }
    exit(0)
}
if arguments.count == 6, arguments[1] == "object-storage", let repeats = Int(arguments[5]) {
    var configuration = S3Configuration()
    configuration.endpoint = arguments[2]
    configuration.credentials = .init(accessKeyID: "testing", secretAccessKey: "testing")
    if let value = ProcessInfo.processInfo.environment["KITE_BENCH_CONCURRENCY"].flatMap(Int.init) {
        configuration.concurrency = value
    }
    if let value = ProcessInfo.processInfo.environment["KITE_BENCH_PART_MIB"].flatMap(Int.init) {
        configuration.partSize = value << 20
    }
    let (uploads, downloads) = try await S3Client.with(configuration: configuration, logger: Logger(label: "kite.bench")) { client in
        let store = try S3ObjectStore(bucket: arguments[3], client: client)
        try await store.createBucket()
        var uploads: [Double] = []
        var downloads: [Double] = []
        for _ in 0..<repeats {
            uploads.append(try await seconds { try await store.put("bench.bin", file: arguments[4]) })
            downloads.append(try await seconds { try await store.download("bench.bin", toFile: arguments[4] + ".kite") })
        }
        return (uploads, downloads)
    }
    print("{\"upload\": \(uploads), \"download\": \(downloads)}")
    exit(0)
}
if arguments.count == 6, arguments[1] == "pit-join", let repeats = Int(arguments[5]) {
    var times: [Double] = []
    for _ in 0..<repeats {
        times.append(
            try await seconds {
                let entities = try await ParquetReader(path: arguments[2]).read()
                let featureReader = try await ParquetReader(path: arguments[3])
                let features = try await featureReader.read()
                let outputs = features.schema.names.filter { $0.hasPrefix("f") }.map { FeatureTable.Output(column: $0, name: $0) }
                let table = FeatureTable(
                    name: "view", frame: features, joinKeys: ["entity_id"], eventTimestamp: "event_timestamp",
                    ttl: try TimeSpan(parsing: "1d"), outputs: outputs)
                let training = try await PointInTimeJoin.join(
                    entities: try entities.renamed(["event_timestamp": "ts"]), timestamp: "ts", tables: [table])
                try await ParquetWriter.write(training, to: arguments[4])
            })
    }
    print("{\"join\": \(times)}")
    exit(0)
}
guard arguments.count == 5, arguments[1] == "parquet", let repeats = Int(arguments[4]), repeats > 0 else {
    FileHandle.standardError.write(Data("usage: KiteBench parquet INPUT OUTPUT REPEATS\n".utf8))
    exit(2)
}
do {
    let frame = try await ParquetReader(path: arguments[2]).read()
    var writes: [Double] = []
    var reads: [Double] = []
    for _ in 0..<repeats {
        writes.append(try await seconds { try await ParquetWriter.write(frame, to: arguments[3]) })
        var rows = 0
        reads.append(try await seconds { rows = try await ParquetReader(path: arguments[3]).read().rowCount })
        guard rows == frame.rowCount else { throw KiteError(.mismatch, "read \(rows) rows of \(frame.rowCount)") }
    }
    let size = try FileManager.default.attributesOfItem(atPath: arguments[3])[.size] as? Int ?? 0
    print("{\"rows\": \(frame.rowCount), \"write\": \(writes), \"read\": \(reads), \"size\": \(size)}")
} catch {
    FileHandle.standardError.write(Data("KiteBench: \(error)\n".utf8))
    exit(1)
}
