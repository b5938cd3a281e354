import KiteCore

/// Features ready to join point in time onto entity frames (`TrainingSetBuilder.prepare`): the views read and
/// indexed once, so a training set is one join and a batch job one join per chunk of entity rows.
public struct PreparedFeatures: Sendable {
    let definitions: FeatureDefinitions
    /// The (view, feature) pairs to bring out, in order.
    let wanted: [(view: String, feature: String)]
    let fullFeatureNames: Bool
    let tables: [IndexedFeatureTable]
    /// The features and the source files read.
    public let lineage: TrainingSetBuilder.Lineage

    /// `entities` (with its `timestamp` column) and the features as columns named `feature`, or `view__feature`
    /// with full feature names; on-demand features are computed from the joined ones and the entity columns.
    public func join(entities: DataFrame, timestamp: String) async throws -> DataFrame {
        let joined = try await PointInTimeJoin.join(entities: entities, timestamp: timestamp, tables: tables)
        var fields = entities.schema.fields
        var columns = entities.columns
        for (view, feature) in wanted {
            let name = fullFeatureNames ? "\(view)__\(feature)" : feature
            guard !fields.contains(where: { $0.name == name }) else {
                throw KiteError.invalidArgument("feature name '\(name)' appears twice; use full feature names (view__feature)")
            }
            let column: DataColumn
            if let onDemand = definitions.onDemandViews.first(where: { $0.name == view }),
                let definition = onDemand.features.first(where: { $0.name == feature })
            {
                column = try definition.expression.evaluate(rows: joined.rowCount) { input in
                    if input.contains(":") {
                        return try joined.column(
                            TrainingSetBuilder.internalName(input.split(separator: ":", omittingEmptySubsequences: false).joined(separator: "__")))
                    }
                    return try joined.column(input)
                }
            } else {
                column = try joined.column(TrainingSetBuilder.internalName("\(view)__\(feature)"))
            }
            fields.append(Field(name, column.type))
            columns.append(column)
        }
        return try DataFrame(schema: Schema(fields), columns: columns)
    }
}
