import KiteCore

extension ProjectConfiguration {
    /// The feature definitions as last applied (`kite apply`), parsed and validated, with their version; an
    /// error telling to run `kite apply` if nothing is applied yet.
    public func appliedDefinitions() throws -> (FeatureDefinitions, FeatureRegistry.Version) {
        let registry = try FeatureRegistry(path: featureRegistryPath())
        guard let version = try registry.latest() else {
            throw KiteError(.notFound, "no definitions are applied in \(folder): run 'kite apply' first")
        }
        var definitions = FeatureDefinitions()
        for name in version.files.keys.sorted() {
            definitions.merge(try FeatureDefinitions.parse(yaml: version.files[name] ?? "", file: name))
        }
        try definitions.validate()
        return (definitions, version)
    }
}
