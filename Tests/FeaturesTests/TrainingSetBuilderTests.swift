import Features
import Foundation
import KiteCore
import KiteTesting
import Logging
import ObjectStorage
import Parquet
import Testing

/// Training sets from a project on disk: definitions, Parquet sources in several files, a service with an
/// on-demand feature.
@Suite struct TrainingSetBuilderTests {
    static let hour: Int64 = 3_600_000_000
    static let t0: Int64 = 1_700_000_000_000_000

    static let definitions = """
        entities:
          - {name: customer, join_keys: [customer_id]}
        sources:
          - {name: spend, path: "spend/part-*.parquet", timestamp_field: ts, field_mapping: {total: spend_1d}}
        feature_views:
          - name: customer_stats
            entities: [customer]
            source: spend
            ttl: 2h
            schema: [{name: spend_1d, type: float64}, {name: n, type: int64}]
        on_demand_feature_views:
          - name: ratios
            sources: [customer_stats]
            request: [{name: amount, type: float64}]
            features: [{name: amount_share, type: float64, expression: "amount / customer_stats:spend_1d"}]
        feature_services:
          - {name: model, features: ["customer_stats:*", "ratios:amount_share"]}
        """

    static func project() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("features"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.file("data/spend"), withIntermediateDirectories: true)
        try "project: test\noffline_store: file:data\n".write(toFile: directory.file("kite.yaml"), atomically: true, encoding: .utf8)
        try definitions.write(toFile: directory.file("features/defs.yaml"), atomically: true, encoding: .utf8)
        // Two files; the second holds only old rows, which the time-range pruning may skip.
        let recent = try DataFrame([
            ("customer_id", .int64s([1, 1, 2])), ("ts", .timestamps([t0, t0 + 2 * hour, t0 + hour])),
            ("total", .float64s([100, 200, 50])), ("n", .int64s([1, 2, 1])),
        ])
        let old = try DataFrame([
            ("customer_id", .int64s([1, 2])), ("ts", .timestamps([t0 - 100 * hour, t0 - 90 * hour])),
            ("total", .float64s([7, 8])), ("n", .int64s([9, 9])),
        ])
        try await ParquetWriter.write(recent, to: directory.file("data/spend/part-0.parquet"))
        try await ParquetWriter.write(old, to: directory.file("data/spend/part-1.parquet"))
        try await ParquetWriter.write(old, to: directory.file("data/spend/ignored.parquet"))
        return directory
    }

    @Test func buildsAServiceWithOnDemandFeatures() async throws {
        let directory = try await Self.project()
        let configuration = try ProjectConfiguration.load(folder: directory.path)
        let builder = TrainingSetBuilder(
            definitions: try FeatureDefinitions.load(folder: directory.file("features")),
            offlineStore: try ObjectStores.openFolder(configuration.offlineStoreURL))
        let entities = try DataFrame([
            ("customer_id", .int64s([1, 2, 1, 3, 1])),
            ("event_timestamp", .timestamps([Self.t0 + Self.hour, Self.t0 + 2 * Self.hour, Self.t0 + 5 * Self.hour, Self.t0, Self.t0 - 95 * Self.hour])),
            ("amount", .float64s([10, 5, 40, 1, 2])),
        ])
        let (frame, lineage) = try await builder.build(entities: entities, features: try builder.references(service: "model"))
        #expect(frame.schema.names == ["customer_id", "event_timestamp", "amount", "spend_1d", "n", "amount_share"])
        func column(_ name: String) throws -> [Scalar] {
            let c = try frame.column(name)
            return (0..<c.count).map { c.scalar(at: $0) }
        }
        // Row 2: the newest value is 3h old, past the 2h ttl; row 3: no such customer; row 4: 5h past the ttl.
        #expect(try column("spend_1d") == [.double(100), .double(50), .null, .null, .null])
        #expect(try column("n") == [.int(1), .int(1), .null, .null, .null])
        #expect(try column("amount_share") == [.double(0.1), .double(0.1), .null, .null, .null])
        #expect(lineage.sources.map(\.path).sorted() == ["spend/part-0.parquet", "spend/part-1.parquet"])
        #expect(lineage.features == ["customer_stats:*", "ratios:amount_share"])
        #expect(lineage.sources.first { $0.path == "spend/part-1.parquet" }?.rows == 2)

        // Without the old entity row, the old file's row group lies outside every ttl window and is skipped.
        let recent = try entities.slice(0..<4)
        let pruned = try await builder.build(entities: recent, features: try builder.references(service: "model"))
        #expect(pruned.lineage.sources.first { $0.path == "spend/part-1.parquet" }?.rows == 0)
        #expect(PeerValue.rows(of: pruned.frame) == PeerValue.rows(of: try frame.slice(0..<4)))

        let full = try await builder.build(
            entities: entities, features: [try FeatureReference(parsing: "customer_stats:n")], fullFeatureNames: true)
        #expect(full.frame.schema.names.last == "customer_stats__n")
    }

    /// The same project with its offline store on S3 (moto): sources found by listing, read by ranged GETs.
    @Test func offlineStoreOnS3() async throws {
        let directory = try await Self.project()
        var s3 = S3Configuration()
        s3.endpoint = try TestServices.s3Endpoint()
        s3.credentials = .init(accessKeyID: "testing", secretAccessKey: "testing")
        try await S3Client.with(configuration: s3, logger: Logger(label: "test.s3")) { client in
            let bucket = try S3ObjectStore(bucket: TestServices.uniqueBucket("offline"), client: client)
            try await bucket.createBucket()
            for name in ["part-0.parquet", "part-1.parquet", "ignored.parquet"] {
                try await bucket.put("data/spend/\(name)", file: directory.file("data/spend/\(name)"))
            }
            let definitions = try FeatureDefinitions.load(folder: directory.file("features"))
            let onS3 = TrainingSetBuilder(definitions: definitions, offlineStore: try ObjectStores.openFolder("s3://\(bucket.bucket)/data", s3: client))
            let local = TrainingSetBuilder(definitions: definitions, offlineStore: try LocalObjectStore(root: directory.file("data")))
            let entities = try DataFrame([
                ("customer_id", .int64s([1, 2, 1])),
                ("event_timestamp", .timestamps([Self.t0 + Self.hour, Self.t0 + 2 * Self.hour, Self.t0 + 5 * Self.hour])),
                ("amount", .float64s([10, 5, 40])),
            ])
            let references = try local.references(service: "model")
            let fromS3 = try await onS3.build(entities: entities, features: references)
            let fromDisk = try await local.build(entities: entities, features: references)
            #expect(PeerValue.rows(of: fromS3.frame) == PeerValue.rows(of: fromDisk.frame))
            #expect(fromS3.lineage.sources.map(\.path).sorted() == ["spend/part-0.parquet", "spend/part-1.parquet"])
        }
    }

    @Test func badRequestsFailClearly() async throws {
        let directory = try await Self.project()
        let builder = TrainingSetBuilder(
            definitions: try FeatureDefinitions.load(folder: directory.file("features")),
            offlineStore: try LocalObjectStore(root: directory.file("data")))
        let entities = try DataFrame([("customer_id", .int64s([1])), ("event_timestamp", .timestamps([Self.t0]))])
        await #expect(throws: KiteError.self) { try await builder.build(entities: entities, features: [try FeatureReference(parsing: "nope:x")]) }
        await #expect(throws: KiteError.self) { try await builder.build(entities: entities, features: [try FeatureReference(parsing: "customer_stats:ghost")]) }
        #expect(throws: KiteError.self) { try builder.references(service: "missing") }
        let noTime = try DataFrame([("customer_id", .int64s([1]))])
        await #expect(throws: KiteError.self) { try await builder.build(entities: noTime, features: [try FeatureReference(parsing: "customer_stats:n")]) }
        // The on-demand feature needs the request field 'amount', which this entity frame lacks.
        await #expect(throws: KiteError.self) { try await builder.build(entities: entities, features: [try FeatureReference(parsing: "ratios:amount_share")]) }
        // Keys typed unlike the view's, and no join key at all: errors naming the key and the view.
        let textKeys = try DataFrame([("customer_id", .strings(["1"])), ("event_timestamp", .timestamps([Self.t0]))])
        await #expect {
            try await builder.build(entities: textKeys, features: [try FeatureReference(parsing: "customer_stats:n")])
        } throws: { error in
            "\(error)".contains("join key 'customer_id' is string in the entity frame but int64 in feature view 'customer_stats'")
        }
        let noKey = try DataFrame([("user", .int64s([1])), ("event_timestamp", .timestamps([Self.t0]))])
        await #expect {
            try await builder.build(entities: noKey, features: [try FeatureReference(parsing: "customer_stats:n")])
        } throws: { error in
            "\(error)".contains("no join key column 'customer_id'")
        }
        // No entity rows: the columns, no rows.
        let none = try DataFrame([("customer_id", .int64s([])), ("event_timestamp", .timestamps([]))])
        let empty = try await builder.build(entities: none, features: [try FeatureReference(parsing: "customer_stats:*")]).frame
        #expect(empty.rowCount == 0 && empty.schema.names == ["customer_id", "event_timestamp", "spend_1d", "n"])
    }
}
