import Foundation
import KiteCore
import KiteTesting
import Logging
import Testing

@testable import Features

/// One suite for every online-store backend: embedded SQLite, a real `redis-server` over RESP2 and RESP3, and a real
/// Redis Cluster.
@Suite struct OnlineStoreTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case embedded, redis, redisRESP3, cluster
        var testDescription: String { rawValue }
    }

    /// A store on `backend` with a project name no other test uses (or `project`); the folder keeps an embedded
    /// file alive.
    private func open(_ backend: Backend, folder: TemporaryDirectory, project: String = "test\(UUID().uuidString.prefix(8))") throws -> any OnlineStore {
        let url: String
        switch backend {
        case .embedded: url = "embedded:online.db"
        case .redis: url = try TestServices.redisURL()
        case .redisRESP3: url = try TestServices.redisURL() + "?protocol=3"
        case .cluster: url = try TestServices.redisClusterURL()
        }
        return try OnlineStores.open(url, project: project, folder: folder.path, logger: Logger(label: "test"))
    }

    private func key(_ id: Int64) throws -> EntityKey { try EntityKey(names: ["customer_id"], values: [.int(id)]) }

    private func values(_ amount: Double, event: Int64, created: Int64 = 0) -> OnlineValues {
        OnlineValues(names: ["amount", "count"], values: [.double(amount), .int(Int64(amount))], eventTime: event, createdTime: created)
    }

    @Test(arguments: Backend.allCases)
    func writesAndReadsEveryTypeAcrossViews(backend: Backend) async throws {
        let folder = try TemporaryDirectory()
        let store = try open(backend, folder: folder)
        let everything = OnlineValues(
            names: ["b", "i", "f", "d", "s", "bin", "t", "day", "missing"],
            values: [
                .bool(true), .int(-7), .float(1.5), .double(.pi), .string("naïve & = %"), .binary([0, 255]), .timestamp(1_700_000_000_123_456), .date(19_000),
                .null,
            ],
            eventTime: 1_700_000_000_000_000, createdTime: 3)
        let compound = try EntityKey(names: ["merchant", "customer_id"], values: [.string("a&b=c"), .int(1)])
        #expect(compound.description == "customer_id=1&merchant=a%26b%3Dc")
        #expect(try await store.write(view: "all_types", rows: [(compound, everything)], ttl: TimeSpan(microseconds: 0)) == 1)
        let rows = try (1...300).map { (try key(Int64($0)), values(Double($0), event: 1_000 + Int64($0))) }
        #expect(try await store.write(view: "spend", rows: rows, ttl: TimeSpan(microseconds: 0)) == 300)
        let read = try await store.read(keys: [compound, try key(5), try key(999), try key(5)], views: ["all_types", "spend"])
        #expect(read[0][0] == everything)
        #expect(read[0][1] == nil)
        #expect(read[1][0] == nil)
        #expect(read[1][1] == values(5, event: 1_005))
        #expect(read[2] == [nil, nil])
        #expect(read[3] == read[1])
        // Groups with different keys and views in one call (one round trip on Redis) answer as separate reads do.
        let grouped = try await store.read(groups: [([compound], ["all_types"]), ([try key(5), try key(999)], ["spend", "all_types"]), ([], ["spend"])])
        #expect(grouped.count == 3 && grouped[0] == [[everything]] && grouped[1] == [[values(5, event: 1_005), nil], [nil, nil]] && grouped[2].isEmpty)
        let statistics = try await store.statistics()
        #expect(statistics.rows["spend"] == 300)
        #expect(statistics.rows["all_types"] == 1)
        try await store.deleteView("spend")
        let after = try await store.read(keys: [compound, try key(5)], views: ["all_types", "spend"])
        #expect(after[0][0] == everything)
        #expect(after[1][1] == nil)
        #expect(try await store.statistics().rows["spend"] == nil)
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func olderValuesNeverReplaceNewerOnes(backend: Backend) async throws {
        let folder = try TemporaryDirectory()
        let store = try open(backend, folder: folder)
        let customer = try key(1)
        let noTTL = TimeSpan(microseconds: 0)
        #expect(try await store.write(view: "v", rows: [(customer, values(10, event: 100, created: 5))], ttl: noTTL) == 1)
        #expect(try await store.write(view: "v", rows: [(customer, values(9, event: 99, created: 50))], ttl: noTTL) == 0)
        #expect(try await store.write(view: "v", rows: [(customer, values(8, event: 100, created: 4))], ttl: noTTL) == 0)
        #expect(try await store.read(keys: [customer], views: ["v"])[0][0] == values(10, event: 100, created: 5))
        // The same event written later wins; so does a rerun of the same write.
        #expect(try await store.write(view: "v", rows: [(customer, values(11, event: 100, created: 6))], ttl: noTTL) == 1)
        #expect(try await store.write(view: "v", rows: [(customer, values(11, event: 100, created: 6))], ttl: noTTL) == 1)
        #expect(try await store.read(keys: [customer], views: ["v"])[0][0] == values(11, event: 100, created: 6))
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func racingWritersLeaveTheNewestValues(backend: Backend) async throws {
        let folder = try TemporaryDirectory()
        let project = "race\(UUID().uuidString.prefix(8))"
        // Two stores on the same data, as two processes would open it; writers alternate between them.
        let stores = [try open(backend, folder: folder, project: project), try open(backend, folder: folder, project: project)]
        let keys = try (0..<50).map { try key(Int64($0)) }
        var generator = SeededGenerator(seed: 11)
        let writes = (0..<8).map { _ in keys.map { _ in Int64(generator.next() % 1_000_000) } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (writer, events) in writes.enumerated() {
                group.addTask {
                    for (key, event) in zip(keys, events) {
                        try await stores[writer % 2].write(
                            view: "race", rows: [(key, self.values(Double(event), event: event))], ttl: TimeSpan(microseconds: 0))
                    }
                }
            }
            try await group.waitForAll()
        }
        let read = try await stores[1].read(keys: keys, views: ["race"])
        for (index, row) in read.enumerated() {
            let newest = writes.map { $0[index] }.max() ?? 0
            #expect(row[0]?.eventTime == newest)
            #expect(row[0]?.value("amount") == .double(Double(newest)))
        }
        for store in stores { await store.close() }
    }

    /// With `expire_keys=true` a Redis hash expires when its view's ttl has passed since the event.
    @Test func redisKeysExpireWithTheViewsTTLWhenAsked() async throws {
        let folder = try TemporaryDirectory()
        let store = try OnlineStores.open(
            try TestServices.redisURL() + "?expire_keys=true", project: "exp\(UUID().uuidString.prefix(8))", folder: folder.path,
            logger: Logger(label: "test"))
        let now = WallClock.system.now()
        let hour = TimeSpan(microseconds: 3_600_000_000)
        try await store.write(view: "v", rows: [(try key(1), values(1, event: now - 2 * hour.microseconds))], ttl: hour)
        try await store.write(view: "v", rows: [(try key(2), values(2, event: now))], ttl: hour)
        let read = try await store.read(keys: [try key(1), try key(2)], views: ["v"])
        #expect(read[0][0] == nil)  // expired an hour ago: gone at once
        #expect(read[1][0] == values(2, event: now))
        await store.close()
    }
}
