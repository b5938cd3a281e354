import Features
import Foundation
import HTTPTypes
import KiteCore
import ObjectStorage
import Registry

/// Feast's feature-server endpoints (`feast serve`), so Feast's clients — its SDK's remote online store among
/// them — work against `kite serve`: online features, push, writes, materialization.
enum FeatureServerAPI {
    /// What the endpoints work on.
    struct Stores: Sendable {
        var definitions: AppliedDefinitions
        var online: any OnlineStore
        var offline: any ObjectStore
        var registry: RegistryStore
    }

    static func register(in routes: APIFamily, stores: Stores) {
        routes.add(.post, "get-online-features") { call in
            let p = call.parameters
            let retrieval = try await stores.definitions.retrieval(store: stores.online, clock: stores.registry.clock)
            let references: [FeatureReference]
            if let service = try p.string("feature_service") {
                references = try retrieval.definitions.references(service: service)
            } else {
                references = try p.strings("features").map { try FeatureReference(parsing: $0) }
                guard !references.isEmpty else { throw KiteError.invalidArgument("give 'features' (view:feature, …) or 'feature_service'") }
            }
            let entities = try p.json("entities")?.columns(at: "entities") ?? []
            let answer = try await retrieval.get(
                features: references, entities: entities,
                requestData: Dictionary(try p.json("request_data")?.columns(at: "request_data") ?? [], uniquingKeysWith: { a, _ in a }),
                fullFeatureNames: try p.bool("full_feature_names") ?? false)
            return .object([
                ("metadata", .object([("feature_names", .array(answer.map { .string($0.name) }))])),
                (
                    "results",
                    .array(
                        answer.map { column in
                            .object([
                                ("values", .array(zip(column.values, column.statuses).map { $1 == .present ? JSONValue($0) : .null })),
                                ("statuses", .array(column.statuses.map { .string($0.rawValue) })),
                                ("event_timestamps", .array(column.eventTimes.map { .string(Timestamp.format($0)) })),
                            ])
                        })
                ),
            ])
        }
        routes.add(.post, "push") { call in
            let p = call.parameters
            let view = try p.string("feature_view_name") ?? p.required("push_source_name")
            let to = try p.string("to") ?? "online"
            guard let target = FeaturePush.Target(rawValue: to) else {
                throw KiteError.invalidArgument("'to' must be one of \(FeaturePush.Target.allCases.map(\.rawValue).joined(separator: ", ")), not '\(to)'")
            }
            let result = try await push(stores, view: view, columns: try p.json("df")?.columns(at: "df") ?? [], to: target)
            return .object(["online_written": .integer(Int64(result.onlineWritten)), "offline_file": result.offlineFile.map(JSONValue.string)])
        }
        routes.add(.post, "write-to-online-store") { call in
            let p = call.parameters
            let result = try await push(stores, view: try p.required("feature_view_name"), columns: try p.json("df")?.columns(at: "df") ?? [], to: .online)
            return .object(["online_written": .integer(Int64(result.onlineWritten))])
        }
        routes.add(.post, "materialize") { call in
            let p = call.parameters
            let start = try Timestamp.parse(try p.required("start_ts"))
            let end = try Timestamp.parse(try p.required("end_ts"))
            guard start <= end else { throw KiteError.invalidArgument("start_ts is after end_ts") }
            return try await materialize(stores, views: try p.strings("feature_views")) { _ in start...end }
        }
        routes.add(.post, "materialize-incremental") { call in
            let p = call.parameters
            let end = try Timestamp.parse(try p.required("end_ts"))
            return try await materialize(stores, views: try p.strings("feature_views")) { view in
                try await Materializer.incrementalWindow(view, end: end, registry: stores.registry)
            }
        }
    }

    private static func push(_ stores: Stores, view: String, columns: [(name: String, values: [Scalar])], to target: FeaturePush.Target) async throws
        -> FeaturePush.Result
    {
        let push = FeaturePush(definitions: try await stores.definitions.current(), offlineStore: stores.offline, onlineStore: stores.online)
        return try await push.push(try push.frame(view: view, columns: columns), view: view, to: target)
    }

    private static func materialize(
        _ stores: Stores, views: [String], window: (FeatureDefinitions.FeatureView) async throws -> ClosedRange<Int64>?
    ) async throws -> JSONValue {
        let materializer = Materializer(definitions: try await stores.definitions.current(), offlineStore: stores.offline, onlineStore: stores.online)
        var results: [JSONValue] = []
        for view in try materializer.views(views) {
            guard let range = try await window(view) else { continue }
            let result = try await materializer.materialize(view, window: range, recordingIn: stores.registry)
            results.append(
                .object([
                    ("feature_view", .string(view.name)), ("start", .string(Timestamp.format(range.lowerBound))),
                    ("end", .string(Timestamp.format(range.upperBound))), ("rows_read", .integer(Int64(result.rowsRead))),
                    ("entities_written", .integer(Int64(result.entitiesWritten))),
                ]))
        }
        return .object([("materialized", .array(results))])
    }
}
