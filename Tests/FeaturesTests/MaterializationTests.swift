import Foundation
import KiteCore
import KiteTesting
import Logging
import ObjectStorage
import Parquet
import Testing

@testable import Features

@Suite struct MaterializationTests {
    /// The fraud project's definitions and offline store, written to a temporary folder.
    private func project(_ directory: TemporaryDirectory) async throws -> (FeatureDefinitions, any ObjectStore, String) {
        let folder = directory.file("fraud")
        _ = try await FraudExample(rows: 4_000, seed: 5).write(to: folder)
        let configuration = try ProjectConfiguration.load(folder: folder)
        return (try FeatureDefinitions.load(folder: configuration.definitionsFolder), try LocalObjectStore(root: folder + "/data"), folder)
    }

    @Test(arguments: ["embedded", "redis"])
    func materializedValuesEqualThePointInTimeRetrievalAtTheEnd(backend: String) async throws {
        let directory = try TemporaryDirectory()
        let (definitions, offline, folder) = try await project(directory)
        let url = backend == "embedded" ? "embedded:online.db" : try TestServices.redisURL()
        let online = try OnlineStores.open(url, project: "m\(UUID().uuidString.prefix(8))", folder: folder, logger: Logger(label: "test"))
        let materializer = Materializer(definitions: definitions, offlineStore: offline, onlineStore: online)
        let end = FraudExample.start + 40 * Timestamp.microsPerDay + 12 * 3_600_000_000
        let builder = TrainingSetBuilder(definitions: definitions, offlineStore: offline)
        for view in try materializer.views([]) {
            // As materialize-incremental does the first time: the view's ttl back from the end.
            let result = try await materializer.materialize(view, start: end - view.ttl.microseconds, end: end)
            #expect(result.entitiesWritten > 0)
            let key = try #require(definitions.entities.first { $0.name == view.entities[0] }?.joinKeys.first)
            let ids = (0..<200).map { Int64($0) }
            let entities = try DataFrame([(key, .int64s(ids)), ("event_timestamp", .timestamps(ids.map { _ in end }))])
            let (expected, _) = try await builder.build(entities: entities, features: [try FeatureReference(parsing: "\(view.name):*")])
            let stored = try await online.read(keys: ids.map { try EntityKey(names: [key], values: [.int($0)]) }, views: [view.name])
            var found = 0
            for (row, id) in ids.enumerated() {
                for field in view.schema {
                    let want = try expected.column(field.name).scalar(at: row)
                    let got = stored[row][0]?.value(field.name) ?? .null
                    #expect(got == want, "\(view.name) \(key)=\(id) \(field.name)")
                }
                if stored[row][0] != nil { found += 1 }
            }
            #expect(found >= 5)  // the example has 8 merchants and 80 customers
            // Rerunning the window changes nothing and writes the same entities again.
            let again = try await materializer.materialize(view, start: end - view.ttl.microseconds, end: end)
            #expect(again.entitiesWritten == result.entitiesWritten)
        }
        await online.close()
    }

    /// Row groups are read newest first, keys and times before values: the result equals the latest row per key
    /// in source order (event time, then created time, then the later row of the later file — even when that row
    /// sits in an older row group), and the values of groups with no latest row are never decoded.
    @Test func newestRowGroupsFirstKeepTheLatestRowsAndSkipOlderValues() async throws {
        let directory = try TemporaryDirectory()
        let folder = directory.file("project")
        let offline = try LocalObjectStore(root: folder + "/data", create: true)
        let definitions = try FeatureDefinitions.parse(
            yaml: """
                entities: [{name: user, join_keys: [user_id]}]
                sources: [{name: events, path: events/, timestamp_field: ts, created_timestamp_column: created}]
                feature_views:
                  - {name: user_stats, entities: [user], source: events, schema: [{name: score, type: float64}]}
                """, file: "features.yaml")
        // Two files of row groups of 50 rows (one per user) at the hours listed. In the groups at hour 9 (a's last,
        // b's first), users 0-9 tie fully (b's row is later in the source and wins, though a's group comes later
        // in no order but the source's), users 10-19 are created later in b, users 20-49 later in a.
        var expected: [Int64: (score: Double, event: Int64, created: Int64)] = [:]
        var score = 0.0
        for (file, hours) in [("a", [1, 3, 9]), ("b", [9, 2, 5])] {
            var (ids, times, created, scores): ([Int64], [Int64], [Int64], [Double]) = ([], [], [], [])
            for hour in hours {
                for user in Int64(0)..<50 {
                    let (time, made): (Int64, Int64) = (Int64(hour) * 3_600_000_000, hour != 9 ? 1 : user < 10 ? 7 : file == "a" ? 1 : user < 20 ? 99 : 0)
                    score += 1
                    (ids, times, created, scores) = (ids + [user], times + [time], created + [made], scores + [score])
                    // The reference: rows in source order, a row replacing the kept one unless earlier by (event, created).
                    if let kept = expected[user], (time, made) < (kept.event, kept.created) { continue }
                    expected[user] = (score, time, made)
                }
            }
            let frame = try DataFrame([
                ("user_id", .int64s(ids)), ("ts", .timestamps(times)), ("created", .timestamps(created)), ("score", .float64s(scores)),
            ])
            var configuration = ParquetWriter.Configuration()
            configuration.rowGroupSize = 50
            let writer = try await ParquetWriter(
                sink: try await offline.makeSink(for: "events/\(file).parquet"), schema: frame.schema, configuration: configuration)
            try await writer.write(frame)
            try await writer.close()
        }
        let online = try OnlineStores.open("embedded:online.db", project: "rg", folder: folder, logger: Logger(label: "test"))
        let materializer = Materializer(definitions: definitions, offlineStore: offline, onlineStore: online)
        let view = try definitions.view(named: "user_stats")
        let result = try await materializer.materialize(view, start: 0, end: 10 * 3_600_000_000)
        #expect(result.rowsRead == 300 && result.entitiesWritten == 50)
        // Only the two groups at hour 9 hold latest rows: the other four groups' values are never decoded.
        #expect(result.valueRowsRead == 100, "\(result)")
        let ids = Array(Int64(0)..<50)
        let stored = try await online.read(keys: ids.map { try EntityKey(names: ["user_id"], values: [.int($0)]) }, views: ["user_stats"])
        for (row, id) in ids.enumerated() {
            #expect(stored[row][0]?.value("score") == .double(expected[id]?.0 ?? .nan), "user \(id)")
            #expect(stored[row][0]?.eventTime == expected[id]?.1, "user \(id)")
        }
        await online.close()
    }

    @Test func pushWritesOnlineAndAppendsOfflineAndRefusesWrongRows() async throws {
        let directory = try TemporaryDirectory()
        let (definitions, offline, folder) = try await project(directory)
        let online = try OnlineStores.open("embedded:online.db", project: "fraud", folder: folder, logger: Logger(label: "test"))
        let push = FeaturePush(definitions: definitions, offlineStore: offline, onlineStore: online, clock: .fixed(42))
        let t = FraudExample.start + 100 * Timestamp.microsPerDay
        let rows = try DataFrame([
            ("merchant_id", .int64s([1, 1, 2])), ("event_timestamp", .timestamps([t, t + 1, t])), ("fraud_rate_30d", .float64s([0.5, 0.25, 0.125])),
        ])
        // The example's source is one file, which cannot take appended rows: refused before anything is written.
        await #expect(throws: KiteError.self) { try await push.push(rows, view: "merchant_stats", to: .onlineAndOffline) }
        let result = try await push.push(rows, view: "merchant_stats", to: .online)
        #expect(result.onlineWritten == 2)
        #expect(result.offlineFile == nil)
        let merchant1 = try EntityKey(names: ["merchant_id"], values: [.int(1)])
        let stored = try await online.read(keys: [merchant1], views: ["merchant_stats"])
        #expect(stored[0][0]?.value("fraud_rate_30d") == .double(0.25))
        #expect(stored[0][0]?.eventTime == t + 1)
        // With a folder as the source, offline pushes add a file that materialization then reads.
        var folderDefinitions = definitions
        let index = try #require(folderDefinitions.sources.firstIndex { $0.name == "merchant_daily" })
        folderDefinitions.sources[index].path = "merchant_daily/"
        try await offline.copy(from: "merchant_stats.parquet", to: "merchant_daily/part-0.parquet")
        let folderPush = FeaturePush(definitions: folderDefinitions, offlineStore: offline, onlineStore: online, clock: .fixed(42))
        let later = try DataFrame([("merchant_id", .int64s([1])), ("event_timestamp", .timestamps([t + 5])), ("fraud_rate_30d", .float64s([0.75]))])
        let appended = try await folderPush.push(later, view: "merchant_stats", to: .offline)
        #expect(appended.offlineFile?.hasPrefix("merchant_daily/push-42-") == true)
        #expect(try await online.read(keys: [merchant1], views: ["merchant_stats"])[0][0]?.value("fraud_rate_30d") == .double(0.25))
        let view = try #require(folderDefinitions.featureViews.first { $0.name == "merchant_stats" })
        _ = try await Materializer(definitions: folderDefinitions, offlineStore: offline, onlineStore: online).materialize(view, start: t, end: t + 10)
        #expect(try await online.read(keys: [merchant1], views: ["merchant_stats"])[0][0]?.value("fraud_rate_30d") == .double(0.75))
        for bad in [
            try DataFrame([("merchant_id", .int64s([1])), ("fraud_rate_30d", .float64s([0.5]))]),
            try DataFrame([("merchant_id", .int64s([1])), ("event_timestamp", .timestamps([t])), ("nope", .float64s([0.5]))]),
            try DataFrame([("merchant_id", .int64s([1])), ("event_timestamp", .timestamps([t])), ("fraud_rate_30d", .strings(["x"]))]),
        ] {
            await #expect(throws: KiteError.self) { try await push.push(bad, view: "merchant_stats", to: .online) }
        }
        await #expect(throws: KiteError.self) { try await push.push(rows, view: "nope", to: .online) }
        await online.close()
    }
}
