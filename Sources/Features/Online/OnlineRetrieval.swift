import KiteCore

/// Reads features for serving: the latest values of batch views from the online store and on-demand features
/// computed by the same evaluator as offline. Answers column by column, as Feast's feature server does, with a
/// status per value — and, unlike Feast's server, in the order requested, with the view's ttl enforced.
public struct OnlineRetrieval: Sendable {
    /// What became of one value.
    public enum Status: String, Sendable {
        case present = "PRESENT"
        /// The entity has no row in the view.
        case notFound = "NOT_FOUND"
        /// The stored value is null.
        case nullValue = "NULL_VALUE"
        /// The stored value is older than the view's ttl.
        case outsideMaxAge = "OUTSIDE_MAX_AGE"
    }

    /// One answered column: an entity key or a feature.
    public struct Column: Sendable, Hashable {
        public var name: String
        public var values: [Scalar]
        public var statuses: [Status]
        /// Each value's event time (microseconds); 0 where there is none.
        public var eventTimes: [Int64]
    }

    public let definitions: FeatureDefinitions
    public let store: any OnlineStore
    public let clock: WallClock
    /// The plans worked out from `definitions` so far, kept for the next retrieval made with the same `plans`.
    public let plans: Plans

    /// A retrieval with `definitions`; pass the `plans` of earlier retrievals with the same definitions to reuse
    /// what they worked out.
    public init(definitions: FeatureDefinitions, store: any OnlineStore, clock: WallClock = .system, plans: Plans = Plans()) {
        self.definitions = definitions
        self.store = store
        self.clock = clock
        self.plans = plans
    }

    /// The features `references` name for each entity row. `entities` holds the join keys (and may hold request
    /// fields, as Feast accepts them); `requestData` holds on-demand views' request fields. Columns come back in
    /// order: the join keys given, then each feature as `feature` or `view__feature`.
    public func get(
        features references: [FeatureReference], entities: [(name: String, values: [Scalar])], requestData: [String: [Scalar]] = [:],
        fullFeatureNames: Bool = false
    ) async throws -> [Column] {
        let plan = try plans.plan(references, fullFeatureNames: fullFeatureNames) { try self.plan(references, fullFeatureNames: fullFeatureNames) }
        guard let rows = entities.first?.values.count else { throw KiteError.invalidArgument("entities is empty: give at least one join key column") }
        var inputs = requestData
        for (name, values) in entities {
            guard values.count == rows else {
                throw KiteError.invalidArgument("entity column '\(name)' has \(values.count) values and '\(entities[0].name)' has \(rows)")
            }
            guard !plan.names.contains(name) else {
                throw Self.nameTwice(name)
            }
            inputs[name] = values
        }
        for (name, values) in requestData where values.count != rows {
            throw KiteError.invalidArgument("request data '\(name)' has \(values.count) values for \(rows) entity rows")
        }
        let read = try await readViews(plan.reads, inputs: inputs, rows: rows)
        let now = clock.now()
        var columns = entities.map {
            Column(name: $0.name, values: $0.values, statuses: Array(repeating: .present, count: rows), eventTimes: Array(repeating: 0, count: rows))
        }
        var onDemandInputs: [String: DataColumn] = [:]
        for output in plan.outputs {
            switch output.source {
            case .batch(let view, let feature):
                columns.append(batchColumn(name: output.name, view: view, feature: feature, records: read[view.name] ?? [], now: now))
            case .onDemand(let definition):
                columns.append(
                    try onDemandColumn(
                        name: output.name, definition: definition, plan: plan, read: read, inputs: inputs, resolved: &onDemandInputs, rows: rows, now: now))
            }
        }
        return columns
    }

    /// The error for an answered column name that two features (or a feature and an entity column) share.
    static func nameTwice(_ name: String) -> KiteError {
        KiteError.invalidArgument("feature name '\(name)' appears twice; set full_feature_names to get view__feature names")
    }

    /// Each view's stored values per entity row, views sharing join keys read together.
    private func readViews(_ reads: [Plan.Read], inputs: [String: [Scalar]], rows: Int) async throws -> [String: [OnlineValues?]] {
        // One read for every group (one round trip on Redis).
        let groups = try reads.map { read -> (keys: [EntityKey], views: [String]) in
            let columns = try read.keys.map { key in
                guard let values = inputs[key] else {
                    throw KiteError.invalidArgument(
                        "feature view '\(read.views[0])' needs join key '\(key)' in entities (given: \(inputs.keys.sorted().joined(separator: ", ")))")
                }
                return values
            }
            return (try (0..<rows).map { row in try EntityKey(names: read.keys, values: columns.map { $0[row] }) }, read.views)
        }
        var result: [String: [OnlineValues?]] = [:]
        for (group, stored) in zip(groups, try await store.read(groups: groups)) {
            for (index, view) in group.views.enumerated() { result[view] = stored.map { $0[index] } }
        }
        return result
    }

    private func batchColumn(name: String, view: FeatureDefinitions.FeatureView, feature: String, records: [OnlineValues?], now: Int64) -> Column {
        var column = Column(name: name, values: [], statuses: [], eventTimes: [])
        for record in records {
            guard let record else {
                column.append(.null, .notFound, 0)
                continue
            }
            if view.ttl.microseconds > 0 && now &- record.eventTime > view.ttl.microseconds {
                column.append(.null, .outsideMaxAge, record.eventTime)
                continue
            }
            let value = record.value(feature) ?? .null
            column.append(value, value.isNull ? .nullValue : .present, record.eventTime)
        }
        return column
    }

    /// An on-demand feature computed from its inputs; an input that is not present counts as null. `resolved`
    /// keeps the input columns built so far for the request's other on-demand features.
    private func onDemandColumn(
        name: String, definition: FeatureDefinitions.OnDemandView.Feature, plan: Plan, read: [String: [OnlineValues?]],
        inputs: [String: [Scalar]], resolved: inout [String: DataColumn], rows: Int, now: Int64
    ) throws -> Column {
        let computed = try definition.expression.evaluate(rows: rows) { input in
            if let column = resolved[input] { return column }
            let column = try onDemandInput(input, of: definition, source: plan.inputs[input] ?? .request, read: read, inputs: inputs, now: now)
            resolved[input] = column
            return column
        }
        var column = Column(name: name, values: [], statuses: [], eventTimes: [])
        for row in 0..<rows {
            let value = computed.scalar(at: row)
            column.append(value, value.isNull ? .nullValue : .present, 0)
        }
        return column
    }

    /// Input `input` of an on-demand feature as a column: a batch view's feature (`view:feature`) or a request field.
    private func onDemandInput(
        _ input: String, of definition: FeatureDefinitions.OnDemandView.Feature, source: Plan.Input, read: [String: [OnlineValues?]],
        inputs: [String: [Scalar]], now: Int64
    ) throws -> DataColumn {
        switch source {
        case .batch(let view, let field):
            let values = batchColumn(name: input, view: view, feature: field.name, records: read[view.name] ?? [], now: now).values
            return try DataColumn(scalars: values, type: field.type)
        case .unknown:
            throw KiteError.invalidArgument("on-demand feature '\(definition.name)' reads unknown feature '\(input)'")
        case .request:
            break
        }
        guard let values = inputs[input] else {
            throw KiteError.invalidArgument("on-demand feature '\(definition.name)' needs request field '\(input)'; pass it in request_data or entities")
        }
        return try DataColumn(scalars: values, type: Self.type(of: values))
    }

    /// The column type that holds request values as given (numbers as float64 unless all are integers).
    private static func type(of values: [Scalar]) -> DataType {
        var type: DataType?
        for value in values {
            let next: DataType
            switch value {
            case .null: continue
            case .int: next = .int64
            case .double, .float: next = .float64
            case .bool: next = .bool
            case .string: next = .string
            case .binary: next = .binary
            case .timestamp: next = .timestamp
            case .date: next = .date
            }
            if type == nil || type == next {
                type = next
            } else if (type == .int64 && next == .float64) || (type == .float64 && next == .int64) {
                type = .float64
            } else {
                return .string
            }
        }
        return type ?? .float64
    }
}

extension OnlineRetrieval.Column {
    fileprivate mutating func append(_ value: Scalar, _ status: OnlineRetrieval.Status, _ time: Int64) {
        values.append(value)
        statuses.append(status)
        eventTimes.append(time)
    }
}
