import KiteCore

extension FeatureDefinitions {
    /// Checks the definitions against each other: unique names, known references, consistent types, and
    /// on-demand expressions that only use what they declare. Each error names the file and line.
    public func validate() throws {
        try unique(entities.map { ($0.name, $0.location) }, "entity")
        try unique(sources.map { ($0.name, $0.location) }, "source")
        try unique(featureViews.map { ($0.name, $0.location) } + onDemandViews.map { ($0.name, $0.location) }, "feature view")
        try unique(featureServices.map { ($0.name, $0.location) }, "feature service")
        let entityByName = Dictionary(entities.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let sourceNames = Set(sources.map(\.name))
        for view in featureViews {
            for entity in view.entities where entityByName[entity] == nil {
                throw KiteError.invalidArgument("\(view.location): feature view '\(view.name)' uses unknown entity '\(entity)'")
            }
            guard sourceNames.contains(view.source) else {
                throw KiteError.invalidArgument("\(view.location): feature view '\(view.name)' reads unknown source '\(view.source)'")
            }
            try unique(view.schema.map { ($0.name, view.location) }, "feature of '\(view.name)'")
            let keys = view.entities.flatMap { entityByName[$0]?.joinKeys ?? [] }
            if let clash = view.schema.first(where: { keys.contains($0.name) }) {
                throw KiteError.invalidArgument("\(view.location): feature '\(clash.name)' of '\(view.name)' has the name of a join key")
            }
        }
        let viewByName = Dictionary(featureViews.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for view in onDemandViews {
            var inputs: [String: DataType] = [:]
            for source in view.sources {
                guard let upstream = viewByName[source] else {
                    throw KiteError.invalidArgument("\(view.location): on-demand view '\(view.name)' uses unknown feature view '\(source)'")
                }
                for field in upstream.schema { inputs["\(source):\(field.name)"] = field.type }
            }
            for field in view.request { inputs[field.name] = field.type }
            for feature in view.features {
                let actual: DataType
                do { actual = try feature.expression.resultType(inputs: inputs) } catch let error as KiteError {
                    throw KiteError.invalidArgument("\(view.location): feature '\(feature.name)' of '\(view.name)': \(error.message)")
                }
                let compatible = actual == feature.type || (actual.isNumeric && feature.type.isNumeric && feature.type != .bool)
                guard compatible else {
                    throw KiteError.invalidArgument(
                        "\(view.location): feature '\(feature.name)' of '\(view.name)' is declared \(feature.type) but its expression gives \(actual)")
                }
            }
        }
        let onDemandByName = Dictionary(onDemandViews.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for service in featureServices {
            for reference in service.features {
                let names: [String]
                if let view = viewByName[reference.view] {
                    names = view.schema.map(\.name)
                } else if let view = onDemandByName[reference.view] {
                    names = view.features.map(\.name)
                } else {
                    throw KiteError.invalidArgument("\(service.location): feature service '\(service.name)' refers to unknown view '\(reference.view)'")
                }
                if let feature = reference.feature, !names.contains(feature) {
                    throw KiteError.invalidArgument(
                        "\(service.location): feature service '\(service.name)': view '\(reference.view)' has no feature '\(feature)'; it has: \(names.joined(separator: ", "))"
                    )
                }
            }
        }
    }

    private func unique(_ names: [(String, String)], _ what: String) throws {
        var seen: [String: String] = [:]
        for (name, location) in names {
            if let first = seen[name] {
                throw KiteError.invalidArgument("\(location): duplicate \(what) '\(name)' (first declared at \(first))")
            }
            seen[name] = location
        }
    }
}
