import KiteCore
import KiteTesting
import Testing

@testable import Features

/// Hand-computed cases, one per rule of the point-in-time join.
@Suite struct PointInTimeJoinTests {
    static let day: Int64 = 86_400_000_000
    static let hour: Int64 = 3_600_000_000
    static func at(_ hours: Double) -> Int64 { Int64(hours * 3_600_000_000) + 1_700_000_000_000_000 }

    static func view(
        _ name: String = "v", keys: [Int64?], times: [Int64?], created: [Int64?]? = nil, values: [Double?],
        ttl: Int64 = 0
    ) throws -> FeatureTable {
        var columns: [(String, DataColumn)] = [("id", .int64s(keys)), ("ts", .timestamps(times)), ("x", .float64s(values))]
        if let created { columns.append(("created", .timestamps(created))) }
        return FeatureTable(
            name: name, frame: try DataFrame(columns), joinKeys: ["id"], eventTimestamp: "ts",
            createdTimestamp: created == nil ? nil : "created", ttl: TimeSpan(microseconds: ttl),
            outputs: [.init(column: "x", name: name == "v" ? "x" : "\(name)__x")])
    }

    static func entities(keys: [Int64?], times: [Int64?], labels: [Int64]? = nil) throws -> DataFrame {
        var columns: [(String, DataColumn)] = [("id", .int64s(keys)), ("event_timestamp", .timestamps(times))]
        if let labels { columns.append(("label", .int64s(labels))) }
        return try DataFrame(columns)
    }

    static func values(_ frame: DataFrame, _ column: String) throws -> [Double?] {
        let data = try frame.column(column)
        return (0..<data.count).map { row in if case .double(let v) = data.scalar(at: row) { v } else { nil } }
    }

    @Test func ttlEdgesAndRowsFromTheFuture() async throws {
        let table = try Self.view(keys: [1], times: [Self.at(10)], values: [1.5], ttl: Self.hour)
        let entities = try Self.entities(
            keys: [1, 1, 1, 1],
            times: [Self.at(10), Self.at(11), Self.at(11) + 1, Self.at(10) - 1])
        let out = try await PointInTimeJoin.join(entities: entities, timestamp: "event_timestamp", tables: [table])
        // Exactly T matches; exactly T − ttl matches; one microsecond past the ttl does not; a later value never.
        #expect(try Self.values(out, "x") == [1.5, 1.5, nil, nil])
    }

    @Test func latestRowWinsAndCreatedTimeBreaksTies() async throws {
        let table = try Self.view(
            keys: [1, 1, 1, 1, 2, 2],
            times: [Self.at(1), Self.at(5), Self.at(5), Self.at(3), Self.at(5), Self.at(5)],
            created: [Self.at(1), Self.at(9), Self.at(6), Self.at(3), Self.at(7), Self.at(7)],
            values: [1, 2, 3, 4, 5, 6])
        let entities = try Self.entities(keys: [1, 1, 1, 2], times: [Self.at(2), Self.at(4), Self.at(6), Self.at(6)])
        let out = try await PointInTimeJoin.join(entities: entities, timestamp: "event_timestamp", tables: [table])
        // At 6h key 1 has two rows at 5h: created 9h beats created 6h. Key 2's rows tie on both: the later row wins.
        #expect(try Self.values(out, "x") == [1, 4, 2, 6])
    }

    @Test func everyEntityRowComesOutInOrder() async throws {
        let table = try Self.view(keys: [1, 2, nil], times: [Self.at(1), Self.at(1), Self.at(1)], values: [10, 20, 30])
        let entities = try Self.entities(
            keys: [2, 7, 1, 2, nil, 1], times: [Self.at(2), Self.at(2), Self.at(2), Self.at(2), Self.at(2), nil],
            labels: [0, 1, 2, 3, 4, 5])
        let out = try await PointInTimeJoin.join(entities: entities, timestamp: "event_timestamp", tables: [table])
        // Duplicates stay duplicated, a key without features gets null, null keys and times match nothing.
        #expect(try Self.values(out, "x") == [20, nil, 10, 20, nil, nil])
        #expect(out.schema.names == ["id", "event_timestamp", "label", "x"])
        #expect((0..<6).map { out.columns[2].scalar(at: $0) } == (0..<6).map { .int(Int64($0)) })
    }

    @Test func nullFeatureValuesAreNotSkipped() async throws {
        let table = try Self.view(keys: [1, 1], times: [Self.at(1), Self.at(2)], values: [5, nil])
        let entities = try Self.entities(keys: [1, 1], times: [Self.at(1.5), Self.at(3)])
        let out = try await PointInTimeJoin.join(entities: entities, timestamp: "event_timestamp", tables: [table])
        #expect(try Self.values(out, "x") == [5, nil])
    }

    @Test func compoundKeysOfMixedTypes() async throws {
        let features = try DataFrame([
            ("customer", .strings(["a", "a", "b", "a"])),
            ("merchant", .int32s([1, 2, 1, 1])),
            ("ts", .timestamps([Self.at(1), Self.at(1), Self.at(1), Self.at(2)])),
            ("rate", .float64s([0.1, 0.2, 0.3, 0.4])),
        ])
        let table = FeatureTable(
            name: "pair", frame: features, joinKeys: ["customer", "merchant"], eventTimestamp: "ts",
            outputs: [.init(column: "rate", name: "rate")])
        let entities = try DataFrame([
            ("customer", .strings(["a", "a", "b", "b", "a"])),
            ("merchant", .int64s([1, 2, 1, 2, 1])),
            ("event_timestamp", .timestamps([Self.at(1.5), Self.at(5), Self.at(5), Self.at(5), Self.at(5)])),
        ])
        let out = try await PointInTimeJoin.join(entities: entities, timestamp: "event_timestamp", tables: [table])
        #expect(try Self.values(out, "rate") == [0.1, 0.2, 0.3, nil, 0.4])
    }

    @Test func severalViewsWithTheirOwnTTLs() async throws {
        let short = try Self.view("short", keys: [1], times: [Self.at(0)], values: [1], ttl: Self.hour)
        let long = try Self.view("long", keys: [1], times: [Self.at(0)], values: [2], ttl: Self.day)
        let forever = try Self.view("forever", keys: [1], times: [Self.at(0)], values: [3])
        let entities = try Self.entities(keys: [1, 1, 1], times: [Self.at(0.5), Self.at(5), Self.at(500)])
        let out = try await PointInTimeJoin.join(entities: entities, timestamp: "event_timestamp", tables: [short, long, forever])
        #expect(try Self.values(out, "short__x") == [1, nil, nil])
        #expect(try Self.values(out, "long__x") == [2, 2, nil])
        #expect(try Self.values(out, "forever__x") == [3, 3, 3])
    }

    @Test func badInputIsRefusedWithClearErrors() async throws {
        let table = try Self.view(keys: [1], times: [Self.at(1)], values: [1])
        let entities = try Self.entities(keys: [1], times: [Self.at(2)])
        await #expect(throws: KiteError.self) {
            try await PointInTimeJoin.join(entities: entities.select(["event_timestamp"]), timestamp: "event_timestamp", tables: [table])
        }
        await #expect(throws: KiteError.self) {
            try await PointInTimeJoin.join(entities: entities, timestamp: "missing", tables: [table])
        }
        let wrongTime = try DataFrame([("id", .int64s([1])), ("event_timestamp", .int64s([5]))])
        await #expect(throws: KiteError.self) {
            try await PointInTimeJoin.join(entities: wrongTime, timestamp: "event_timestamp", tables: [table])
        }
        let wrongKey = try DataFrame([("id", .strings(["1"])), ("event_timestamp", .timestamps([Self.at(2)]))])
        await #expect(throws: KiteError.self) {
            try await PointInTimeJoin.join(entities: wrongKey, timestamp: "event_timestamp", tables: [table])
        }
        let collision = try DataFrame([("id", .int64s([1])), ("event_timestamp", .timestamps([Self.at(2)])), ("x", .int64s([0]))])
        await #expect { try await PointInTimeJoin.join(entities: collision, timestamp: "event_timestamp", tables: [table]) } throws: {
            ($0 as? KiteError)?.message.contains("collides") == true
        }
    }
}
