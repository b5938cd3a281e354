import Features
import Foundation
import Hummingbird
import HummingbirdTesting
import KiteCore
import KiteServer
import KiteTesting
import Logging
import ObjectStorage
import Registry
import Testing

/// Feast's feature-server endpoints on `kite serve`, in process, over the fraud example materialized into the
/// embedded online store.
@Suite struct FeatureServerTests {
    static let now = FraudProject.now

    private func withProject(_ body: (ProjectConfiguration, any OnlineStore, any ObjectStore) async throws -> Void) async throws {
        try await FraudProject.with { project in try await body(project.configuration, project.online, project.offline) }
    }

    private func serve(
        _ project: ProjectConfiguration, _ online: any OnlineStore, _ offline: any ObjectStore, clock: WallClock = .fixed(now),
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestServer.run(
            registryURL: project.registryURL, objects: offline,
            features: FeatureServing(project: project, online: online, offline: offline), clock: clock, body)
    }

    @Test func answersFeastsShapeInTheRequestedOrderWithStatuses() async throws {
        try await withProject { project, online, offline in
            let stored = try await online.read(keys: [try EntityKey(names: ["customer_id"], values: [.int(3)])], views: ["customer_stats"])[0][0]
            let values = try #require(stored)
            try await serve(project, online, offline) { client in
                let request = """
                    {"features": ["customer_stats:spend_7d", "transaction_features:amount_vs_avg_7d", "customer_stats:txn_count_7d"],
                     "entities": {"customer_id": [3, 999999]}, "request_data": {"amount": [10.0, 5.0]}}
                    """
                let (status, answer) = try await TestServer.call(client, .post, "/get-online-features", request)
                #expect(status == 200)
                let spend = values.value("spend_7d")
                // The on-demand feature as the offline evaluator computes it, for the stored and the missing customer.
                let (definitions, _) = try await RegistryStore.withStore(url: project.registryURL, logger: Logger(label: "test")) {
                    try await project.appliedDefinitions(registry: $0)
                }
                let ratio = try #require(definitions.onDemandViews.first?.features.first { $0.name == "amount_vs_avg_7d" })
                let ratios = try [
                    ratio.expression.evaluate(row: ["customer_stats:avg_amount_7d": values.value("avg_amount_7d") ?? .null, "amount": .double(10)]),
                    ratio.expression.evaluate(row: ["customer_stats:avg_amount_7d": .null, "amount": .double(5)]),
                ].map { value -> JSONValue in if case .double(let number) = value { .number(number) } else { .null } }
                let time = JSONValue.string(Timestamp.format(values.eventTime))
                let epoch = JSONValue.string(Timestamp.format(0))
                let spendJSON: JSONValue = if case .double(let number)? = spend { .number(number) } else { .null }
                let countJSON: JSONValue = if case .int(let number)? = values.value("txn_count_7d") { .integer(number) } else { .null }
                let expected = JSONValue.object([
                    ("metadata", .object([("feature_names", .array(["customer_id", "spend_7d", "amount_vs_avg_7d", "txn_count_7d"].map(JSONValue.string)))])),
                    (
                        "results",
                        .array([
                            .object([
                                ("values", .array([.integer(3), .integer(999_999)])), ("statuses", .array([.string("PRESENT"), .string("PRESENT")])),
                                ("event_timestamps", .array([epoch, epoch])),
                            ]),
                            .object([
                                ("values", .array([spendJSON, .null])), ("statuses", .array([.string("PRESENT"), .string("NOT_FOUND")])),
                                ("event_timestamps", .array([time, epoch])),
                            ]),
                            .object([
                                ("values", .array(ratios)),
                                ("statuses", .array(ratios.map { .string($0 == .null ? "NULL_VALUE" : "PRESENT") })),
                                ("event_timestamps", .array([epoch, epoch])),
                            ]),
                            .object([
                                ("values", .array([countJSON, .null])), ("statuses", .array([.string("PRESENT"), .string("NOT_FOUND")])),
                                ("event_timestamps", .array([time, epoch])),
                            ]),
                        ])
                    ),
                ])
                #expect(answer == expected, "\(answer.text)")
                // The request and the read are in /metrics: one of the two customers was not found.
                let metrics = try await client.execute(uri: "/metrics", method: .get) { response in
                    String(buffer: response.body)
                }
                #expect(metrics.contains("kite_online_entities_not_found_total 1\n"), "\(metrics)")
                #expect(metrics.contains("kite_online_entities_read_total 2\n"))
                #expect(metrics.contains(#"kite_http_requests_total{route="/get-online-features",method="POST",status="200"} 1"#), "\(metrics)")
                #expect(metrics.contains(#"kite_online_store_read_duration_seconds_bucket{le="0.00005"}"#), "\(metrics)")
                // A feature service, full feature names.
                let (serviceStatus, byService) = try await TestServer.call(
                    client, .post, "/get-online-features",
                    #"{"feature_service": "fraud_model", "entities": {"customer_id": [3], "merchant_id": [1], "amount": [12.5]}, "full_feature_names": true}"#)
                #expect(serviceStatus == 200)
                guard case .array(let names)? = byService["metadata"]?["feature_names"] else {
                    Issue.record("no feature names: \(byService.text)")
                    return
                }
                #expect(names.first == .string("customer_id"))
                #expect(names.contains(.string("customer_stats__spend_7d")) && names.contains(.string("transaction_features__is_large")))
            }
            // A year later every value is older than its view's ttl. (The first server closed its store on shutdown.)
            let reopened = try OnlineStores.open(project.onlineStore, project: project.project, folder: project.folder, logger: Logger(label: "test"))
            try await serve(project, reopened, offline, clock: .fixed(Self.now + 365 * Timestamp.microsPerDay)) { client in
                let (_, answer) = try await TestServer.call(
                    client, .post, "/get-online-features", #"{"features": ["customer_stats:spend_7d"], "entities": {"customer_id": [3]}}"#)
                guard case .array(let results)? = answer["results"] else {
                    Issue.record("no results")
                    return
                }
                #expect(results[1]["statuses"] == .array([.string("OUTSIDE_MAX_AGE")]))
                #expect(results[1]["values"] == .array([.null]))
            }
        }
    }

    @Test func pushesWritesAndMaterializesOverHTTP() async throws {
        try await withProject { project, online, offline in
            try await serve(project, online, offline) { client in
                let t = Timestamp.format(Self.now)
                let (pushed, answer) = try await TestServer.call(
                    client, .post, "/push",
                    #"{"push_source_name": "merchant_stats", "df": {"merchant_id": [1], "event_timestamp": ["\#(t)"], "fraud_rate_30d": [0.875]}, "to": "online"}"#
                )
                #expect(pushed == 200, "\(answer.text)")
                #expect(answer == .object([("online_written", .integer(1))]), "\(answer.text)")
                let (_, read) = try await TestServer.call(
                    client, .post, "/get-online-features", #"{"features": ["merchant_stats:fraud_rate_30d"], "entities": {"merchant_id": [1]}}"#)
                guard case .array(let results)? = read["results"] else { return }
                #expect(results[1]["values"] == .array([.number(0.875)]))
                let (written, writeAnswer) = try await TestServer.call(
                    client, .post, "/write-to-online-store",
                    #"{"feature_view_name": "merchant_stats", "df": {"merchant_id": [2], "fraud_rate_30d": [0.5], "event_timestamp": ["\#(t)"], "created": [null]}}"#
                )
                #expect(written == 200)
                #expect(writeAnswer == .object([("online_written", .integer(1))]), "\(writeAnswer.text)")
                let (_, second) = try await TestServer.call(
                    client, .post, "/get-online-features", #"{"features": ["merchant_stats:fraud_rate_30d"], "entities": {"merchant_id": [2]}}"#)
                guard case .array(let secondResults)? = second["results"] else { return }
                #expect(secondResults[1]["values"] == .array([.number(0.5)]))
                let (materialized, result) = try await TestServer.call(
                    client, .post, "/materialize-incremental",
                    #"{"end_ts": "\#(Timestamp.format(Self.now + Timestamp.microsPerDay))", "feature_views": ["customer_stats"]}"#)
                #expect(materialized == 200, "\(result.text)")
                // First time: the view's ttl (7 days) back from the end; the counts are the data's.
                let end = Self.now + Timestamp.microsPerDay
                guard case .array(let views)? = result["materialized"], views.count == 1, case .integer(let rows)? = views[0]["rows_read"],
                    case .integer(let entities)? = views[0]["entities_written"]
                else {
                    Issue.record("unexpected answer \(result.text)")
                    return
                }
                #expect(rows > 0 && entities > 0 && entities <= rows)
                let expected = JSONValue.object([
                    (
                        "materialized",
                        .array([
                            .object([
                                ("feature_view", .string("customer_stats")), ("start", .string(Timestamp.format(end - 7 * Timestamp.microsPerDay))),
                                ("end", .string(Timestamp.format(end))), ("rows_read", .integer(rows)), ("entities_written", .integer(entities)),
                            ])
                        ])
                    )
                ])
                #expect(result == expected, "\(result.text)")
                // Again with the same end: nothing left to do.
                let (_, again) = try await TestServer.call(
                    client, .post, "/materialize-incremental",
                    #"{"end_ts": "\#(Timestamp.format(end))", "feature_views": ["customer_stats"]}"#)
                #expect(again == .object([("materialized", .array([]))]), "\(again.text)")
            }
        }
    }

    @Test func badRequestsGetClearErrors() async throws {
        try await withProject { project, online, offline in
            try await serve(project, online, offline) { client in
                let cases: [(String, String, Int)] = [
                    ("/get-online-features", #"{"features": ["nope:x"], "entities": {"customer_id": [1]}}"#, 404),
                    ("/get-online-features", #"{"features": ["customer_stats:nope"], "entities": {"customer_id": [1]}}"#, 404),
                    ("/get-online-features", #"{"feature_service": "nope", "entities": {"customer_id": [1]}}"#, 404),
                    ("/get-online-features", #"{"features": ["customer_stats:spend_7d"], "entities": {"customer_id": [1.5]}}"#, 400),
                    ("/get-online-features", #"{"features": ["customer_stats:spend_7d"], "entities": {"merchant_id": [1]}}"#, 400),
                    ("/get-online-features", #"{"features": ["customer_stats:spend_7d"], "entities": {"customer_id": [1], "x": [1, 2]}}"#, 400),
                    ("/get-online-features", #"{"features": ["customer_stats:spend_7d"], "entities": {"customer_id": 1}}"#, 400),
                    ("/get-online-features", #"{"features": ["customer_stats:spend_7d"], "entities": {}}"#, 400),
                    ("/get-online-features", #"{"features": [5], "entities": {"customer_id": [1]}}"#, 400),
                    ("/get-online-features", #"{"features": ["#, 400),
                    ("/get-online-features", #"{}"#, 400),
                    // A name answered twice: a feature requested twice, a feature named as an entity column.
                    ("/get-online-features", #"{"features": ["customer_stats:spend_7d", "customer_stats:spend_7d"], "entities": {"customer_id": [1]}}"#, 400),
                    ("/get-online-features", #"{"features": ["customer_stats:spend_7d"], "entities": {"customer_id": [1], "spend_7d": [1]}}"#, 400),
                    ("/push", #"{"push_source_name": "merchant_stats", "df": {"merchant_id": ["x"], "event_timestamp": ["2026-01-01"]}}"#, 400),
                    ("/push", #"{"push_source_name": "merchant_stats", "df": {"merchant_id": [1], "event_timestamp": ["yesterday"]}}"#, 400),
                    ("/push", #"{"push_source_name": "merchant_stats", "df": {"merchant_id": [1]}}"#, 400),
                    ("/push", #"{"push_source_name": "merchant_stats", "to": "disk", "df": {}}"#, 400),
                    ("/materialize", #"{"start_ts": "2026-02-01", "end_ts": "2026-01-01"}"#, 400),
                    ("/materialize", #"{"start_ts": "2026-01-01", "end_ts": "2026-02-01", "feature_views": ["nope"]}"#, 404),
                ]
                for (path, body, expected) in cases {
                    let (status, answer) = try await TestServer.call(client, .post, path, body)
                    #expect(status == expected, "\(path) \(body) → \(status) \(answer.text)")
                    guard case .string(let message)? = answer["error"]?["message"] else {
                        Issue.record("no error message for \(path) \(body): \(answer.text)")
                        continue
                    }
                    #expect(!message.isEmpty)
                }
                let (method, _) = try await TestServer.call(client, .get, "/get-online-features")
                #expect(method == 405)
            }
        }
    }
}
