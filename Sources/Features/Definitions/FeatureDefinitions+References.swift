import KiteCore

extension FeatureDefinitions {
    /// The feature view `name`; `not_found` (suggesting `kite apply`) when the applied definitions lack it.
    public func view(named name: String) throws -> FeatureView {
        guard let view = featureViews.first(where: { $0.name == name }) else {
            throw KiteError(
                .notFound,
                "no feature view '\(name)' in the applied definitions (views: \(featureViews.map(\.name).joined(separator: ", "))); "
                    + "if you just added it to features/*.yaml, run 'kite apply'")
        }
        return view
    }

    /// The batch source `view` reads.
    public func source(of view: FeatureView) throws -> BatchSource {
        guard let source = sources.first(where: { $0.name == view.source }) else {
            throw KiteError.invalidArgument("feature view '\(view.name)' reads unknown source '\(view.source)'")
        }
        return source
    }

    /// The join key columns of `view`: its entities' keys, in order.
    public func joinKeys(of view: FeatureView) -> [String] {
        view.entities.flatMap { name in entities.first { $0.name == name }?.joinKeys ?? [] }
    }

    /// The references of feature service `service`.
    public func references(service: String) throws -> [FeatureReference] {
        guard let found = featureServices.first(where: { $0.name == service }) else {
            throw KiteError(
                .notFound,
                "no feature service '\(service)' in the applied definitions (services: \(featureServices.map(\.name).joined(separator: ", "))); "
                    + "if you just added it to features/*.yaml, run 'kite apply'")
        }
        return found.features
    }

    /// Each (view, feature) that `references` name, in order: `view:*` becomes every feature of the view, of a
    /// batch view or an on-demand view. Unknown views and features are `not_found` errors.
    public func expand(_ references: [FeatureReference]) throws -> [(view: String, feature: String)] {
        var wanted: [(view: String, feature: String)] = []
        for reference in references {
            if let view = featureViews.first(where: { $0.name == reference.view }) {
                let names = reference.feature.map { [$0] } ?? view.schema.map(\.name)
                for name in names {
                    guard view.schema.contains(where: { $0.name == name }) else {
                        throw KiteError(.notFound, "view '\(view.name)' has no feature '\(name)'; it has: \(view.schema.map(\.name).joined(separator: ", "))")
                    }
                    wanted.append((view.name, name))
                }
            } else if let view = onDemandViews.first(where: { $0.name == reference.view }) {
                let names = reference.feature.map { [$0] } ?? view.features.map(\.name)
                for name in names where !view.features.contains(where: { $0.name == name }) {
                    throw KiteError(
                        .notFound, "on-demand view '\(view.name)' has no feature '\(name)'; it has: \(view.features.map(\.name).joined(separator: ", "))")
                }
                wanted += names.map { (view.name, $0) }
            } else {
                throw KiteError(
                    .notFound, "unknown feature view '\(reference.view)' in '\(reference)'; if you just added it to features/*.yaml, run 'kite apply'")
            }
        }
        return wanted
    }
}
