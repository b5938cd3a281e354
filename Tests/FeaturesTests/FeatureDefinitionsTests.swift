import Features
import Foundation
import KiteCore
import KiteTesting
import Testing

@Suite struct FeatureDefinitionsTests {
    static let valid = """
        entities:
          - name: customer
            join_keys: [customer_id]
            value_type: int64
          - name: merchant
            join_keys: [merchant_id]
        sources:
          - name: transactions
            path: transactions/
            timestamp_field: event_timestamp
            created_timestamp_field: created
        feature_views:
          - name: customer_stats
            entities: [customer]
            source: transactions
            ttl: 7d
            tags: {team: risk}
            schema:
              - {name: spend_1d, type: float64}
              - {name: avg_amount_7d, type: float64}
              - {name: txn_count_7d, type: int64}
        on_demand_feature_views:
          - name: amount_features
            sources: [customer_stats]
            request: [{name: amount, type: float64}]
            features:
              - name: amount_vs_avg
                type: float64
                expression: "amount / coalesce(customer_stats:avg_amount_7d, 1)"
              - {name: is_large, type: bool, expression: "amount > 3 * customer_stats:avg_amount_7d"}
        feature_services:
          - name: fraud_model
            features: ["customer_stats:*", "amount_features:amount_vs_avg"]
        """

    func write(_ files: [String: String]) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for (name, text) in files { try text.write(toFile: directory.file(name), atomically: true, encoding: .utf8) }
        return directory
    }

    @Test func parsesAndValidatesAProject() throws {
        let directory = try write(["a.yaml": Self.valid])
        let definitions = try FeatureDefinitions.load(folder: directory.path)
        #expect(definitions.entities.map(\.name) == ["customer", "merchant"])
        #expect(definitions.entities[1].valueType == .int64)
        let view = try #require(definitions.featureViews.first)
        #expect(view.ttl == (try TimeSpan(parsing: "7d")) && view.online && view.tags == ["team": "risk"])
        #expect(view.schema.map(\.type) == [.float64, .float64, .int64])
        #expect(definitions.sources[0].createdTimestampField == "created")
        #expect(definitions.onDemandViews[0].features[1].type == .bool)
        #expect(definitions.featureServices[0].features.map(\.description) == ["customer_stats:*", "amount_features:amount_vs_avg"])
        #expect(view.location.hasSuffix("a.yaml:13"))
    }

    /// Each mistake is reported with the file and line where it is.
    @Test(arguments: [
        ("entities: [{name: c}]", "a.yaml:1", "no join_keys"),
        ("entities:\n  - name: c\n    join_keys: [id]\n    colour: red", "a.yaml:4", "unknown key 'colour'"),
        ("entities:\n  - {name: c, join_keys: [id], value_type: decimal}", "a.yaml:2", "unknown type 'decimal'"),
        ("feature_views:\n  - {name: v, source: nowhere, schema: [{name: x, type: float64}]}", "a.yaml:2", "unknown source 'nowhere'"),
        (
            "sources: [{name: s, path: p, timestamp_field: t}]\nfeature_views:\n  - {name: v, entities: [ghost], source: s, schema: [{name: x, type: float64}]}",
            "a.yaml:3", "unknown entity 'ghost'"
        ),
        (
            "sources: [{name: s, path: p, timestamp_field: t}]\nfeature_views:\n  - {name: v, source: s, ttl: 3 days, schema: [{name: x, type: float64}]}",
            "a.yaml:3", "not a duration"
        ),
        ("feature_services:\n  - {name: f, features: [\"nope:x\"]}", "a.yaml:2", "unknown view 'nope'"),
        ("feature_services:\n  - {name: f, features: [\"nocolon\"]}", "a.yaml:2", "not a feature reference"),
        ("on_demand_feature_views:\n  - name: o\n    features:\n      - {name: y, type: float64, expression: \"1 +\"}", "a.yaml:4", "expression"),
        ("on_demand_feature_views:\n  - name: o\n    features:\n      - {name: y, type: float64, expression: \"ghost * 2\"}", "a.yaml:2", "'ghost'"),
        (
            "on_demand_feature_views:\n  - name: o\n    request: [{name: a, type: float64}]\n    features:\n      - {name: y, type: bool, expression: \"a * 2\"}",
            "a.yaml:2", "declared bool"
        ),
        ("entities: [{name: c, join_keys: [id]}]\nentities_typo: []", "a.yaml:2", "unknown key 'entities_typo'"),
        ("entities: [{name: c, join_keys: [id]}, {name: c, join_keys: [id]}]", "a.yaml:1", "duplicate entity 'c'"),
        ("entities: {name: c}", "a.yaml:1", "must be a list"),
        ("entities: [unclosed", "a.yaml", "not valid YAML"),
    ])
    func mistakesNameFileAndLine(yaml: String, location: String, message: String) throws {
        let directory = try write(["a.yaml": yaml])
        #expect {
            try FeatureDefinitions.load(folder: directory.path)
        } throws: { error in
            guard let error = error as? KiteError else { return false }
            return error.message.contains(directory.file(location)) && error.message.contains(message)
        }
    }

    @Test func duplicatesAcrossFilesAreCaught() throws {
        let directory = try write([
            "a.yaml": "entities: [{name: customer, join_keys: [id]}]",
            "b.yml": "entities:\n  - {name: customer, join_keys: [id]}",
        ])
        #expect {
            try FeatureDefinitions.load(folder: directory.path)
        } throws: { error in
            let message = (error as? KiteError)?.message ?? ""
            return message.contains("b.yml:2") && message.contains("first declared at") && message.contains("a.yaml:1")
        }
        #expect(throws: KiteError.self) { try FeatureDefinitions.load(folder: directory.file("missing")) }
    }
}
