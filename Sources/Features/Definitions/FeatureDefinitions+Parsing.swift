import Foundation
import KiteCore

extension FeatureDefinitions {
    /// Reads every `*.yaml` / `*.yml` file in `folder` (in name order), then validates the whole.
    public static func load(folder: String) throws -> FeatureDefinitions {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw KiteError(.notFound, "cannot read the definitions folder \(folder): create it and put features/*.yaml in it")
        }
        var definitions = FeatureDefinitions()
        for name in names {
            let path = folder + "/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw KiteError(.io, "cannot read \(path) as UTF-8 text")
            }
            definitions.merge(try parse(yaml: text, file: path))
        }
        try definitions.validate()
        return definitions
    }

    /// Parses one YAML document (not yet validated against the others).
    public static func parse(yaml: String, file: String) throws -> FeatureDefinitions {
        var definitions = FeatureDefinitions()
        guard let root = try YAMLValue.parse(yaml, file: file) else { return definitions }
        let top = try root.mapping(
            "a definitions file",
            allowed: ["entities", "sources", "feature_views", "on_demand_feature_views", "feature_services"])
        definitions.entities = try top["entities"]?.sequence("entities").map(parseEntity) ?? []
        definitions.sources = try top["sources"]?.sequence("sources").map(parseSource) ?? []
        definitions.featureViews = try top["feature_views"]?.sequence("feature_views").map(parseView) ?? []
        definitions.onDemandViews = try top["on_demand_feature_views"]?.sequence("on_demand_feature_views").map(parseOnDemand) ?? []
        definitions.featureServices = try top["feature_services"]?.sequence("feature_services").map(parseService) ?? []
        return definitions
    }

    /// Adds the definitions of another file.
    public mutating func merge(_ other: FeatureDefinitions) {
        entities += other.entities
        sources += other.sources
        featureViews += other.featureViews
        onDemandViews += other.onDemandViews
        featureServices += other.featureServices
    }

    private static func type(_ value: YAMLValue, _ what: String) throws -> DataType {
        do { return try DataType(name: try value.string(what)) } catch let error as KiteError {
            throw value.fail(error.message)
        }
    }

    private static func fields(_ value: YAMLValue, _ what: String) throws -> [Field] {
        try value.sequence(what).map { item in
            let map = try item.mapping("a field of \(what)", allowed: ["name", "type", "description"])
            return Field(
                try map.required("name", in: "a field", at: item).string("name"),
                try type(try map.required("type", in: "a field", at: item), "type"))
        }
    }

    private static func parseEntity(_ item: YAMLValue) throws -> Entity {
        let map = try item.mapping("an entity", allowed: ["name", "join_keys", "join_key", "value_type", "description"])
        let name = try map.required("name", in: "an entity", at: item).string("name")
        guard let keys = try (map["join_keys"] ?? map["join_key"])?.strings("join_keys"), !keys.isEmpty else {
            throw item.fail("entity '\(name)' has no join_keys")
        }
        return Entity(
            name: name, joinKeys: keys, valueType: try map["value_type"].map { try type($0, "value_type") } ?? .int64,
            description: try map["description"]?.string("description") ?? "", location: item.location)
    }

    private static func parseSource(_ item: YAMLValue) throws -> BatchSource {
        let map = try item.mapping(
            "a source",
            allowed: [
                "name", "path", "timestamp_field", "created_timestamp_field", "field_mapping", "description",
                "event_timestamp_column", "created_timestamp_column",
            ])
        let name = try map.required("name", in: "a source", at: item).string("name")
        // Feast's names are accepted too: `created_timestamp_column` (Feast's current name) and
        // `event_timestamp_column` (its older name for `timestamp_field`).
        func either(_ kite: String, _ feast: String) throws -> YAMLValue? {
            if map[kite] != nil, let duplicate = map[feast] { throw duplicate.fail("give \(kite) or \(feast) (its Feast name), not both") }
            return map[kite] ?? map[feast]
        }
        guard let timestamp = try either("timestamp_field", "event_timestamp_column") else {
            throw item.fail("source '\(name)' needs timestamp_field (the column with each row's event time)")
        }
        return BatchSource(
            name: name, path: try map.required("path", in: "source '\(name)'", at: item).string("path"),
            timestampField: try timestamp.string("timestamp_field"),
            createdTimestampField: try either("created_timestamp_field", "created_timestamp_column")?.string("created_timestamp_field"),
            fieldMapping: try map["field_mapping"]?.stringMap("field_mapping") ?? [:], location: item.location)
    }

    private static func parseView(_ item: YAMLValue) throws -> FeatureView {
        let map = try item.mapping(
            "a feature view",
            allowed: ["name", "entities", "schema", "source", "ttl", "online", "tags", "owner", "description"])
        let name = try map.required("name", in: "a feature view", at: item).string("name")
        var ttl = TimeSpan(microseconds: 0)
        if let value = map["ttl"] {
            do { ttl = try TimeSpan(parsing: try value.string("ttl")) } catch let error as KiteError { throw value.fail(error.message) }
        }
        return FeatureView(
            name: name, entities: try map["entities"]?.strings("entities") ?? [],
            schema: try fields(try map.required("schema", in: "feature view '\(name)'", at: item), "schema"),
            source: try map.required("source", in: "feature view '\(name)'", at: item).string("source"), ttl: ttl,
            online: try map["online"]?.bool("online") ?? true, tags: try map["tags"]?.stringMap("tags") ?? [:],
            owner: try map["owner"]?.string("owner") ?? "", description: try map["description"]?.string("description") ?? "",
            location: item.location)
    }

    private static func parseOnDemand(_ item: YAMLValue) throws -> OnDemandView {
        let map = try item.mapping("an on-demand feature view", allowed: ["name", "sources", "request", "features", "description"])
        let name = try map.required("name", in: "an on-demand feature view", at: item).string("name")
        let features = try map.required("features", in: "on-demand view '\(name)'", at: item).sequence("features").map { feature in
            let f = try feature.mapping("an on-demand feature", allowed: ["name", "type", "expression", "description"])
            let expressionNode = try f.required("expression", in: "an on-demand feature", at: feature)
            let expression: Expression
            do { expression = try Expression(parsing: try expressionNode.string("expression")) } catch let error as KiteError {
                throw expressionNode.fail(error.message)
            }
            return OnDemandView.Feature(
                name: try f.required("name", in: "an on-demand feature", at: feature).string("name"),
                type: try type(try f.required("type", in: "an on-demand feature", at: feature), "type"),
                expression: expression)
        }
        return OnDemandView(
            name: name, sources: try map["sources"]?.strings("sources") ?? [],
            request: try map["request"].map { try fields($0, "request") } ?? [], features: features, location: item.location)
    }

    private static func parseService(_ item: YAMLValue) throws -> FeatureService {
        let map = try item.mapping("a feature service", allowed: ["name", "features", "description"])
        let name = try map.required("name", in: "a feature service", at: item).string("name")
        let references = try map.required("features", in: "feature service '\(name)'", at: item).sequence("features").map { value in
            do { return try FeatureReference(parsing: try value.string("a feature reference")) } catch let error as KiteError {
                throw value.fail(error.message)
            }
        }
        return FeatureService(
            name: name, features: references, description: try map["description"]?.string("description") ?? "",
            location: item.location)
    }
}
