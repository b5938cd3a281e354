import ABTesting
import KiteCore
import Logging
import ObjectStorage
import Registry
import ServiceLifecycle
import Synchronization

/// The models a server answers with, one version per registered model, loaded from the registry and the artifact
/// store. As a `Service` it polls the registry and follows aliases: when `fraud@champion` moves to another
/// version, the new version is loaded beside the old one and swapped in atomically. A request holds the
/// `ServedModel` it started with, so nothing fails during a switch, and each answer names its version.
public final class ModelHost: Service, Sendable {
    /// A model to serve: `NAME@TAG`, where the tag is an alias, `latest` or `vN`.
    public struct Reference: Sendable, Hashable, CustomStringConvertible {
        public var name: String
        public var tag: String

        /// Parses `NAME@TAG`; a bare `NAME` means `NAME@champion`.
        public init(parsing text: String) throws {
            guard let at = text.lastIndex(of: "@") else {
                guard !text.isEmpty else { throw KiteError.invalidArgument("a model reference is NAME@ALIAS, NAME@vN or NAME@latest, not ''") }
                (name, tag) = (text, "champion")
                return
            }
            let name = String(text[..<at])
            let tag = String(text[text.index(after: at)...])
            guard !name.isEmpty, !tag.isEmpty else { throw KiteError.invalidArgument("'\(text)' is not NAME@ALIAS, NAME@vN or NAME@latest") }
            (self.name, self.tag) = (name, tag)
        }

        public var description: String { "\(name)@\(tag)" }
    }

    public let references: [Reference]
    private let registry: RegistryStore
    private let artifacts: ArtifactStore
    private let reloadInterval: Duration
    private let logger: Logger
    private let served = Mutex<[String: ServedModel]>([:])
    /// Where running experiments are looked up; nil serves without experiments.
    private let experimentStore: ExperimentStore?
    private let experiments = Mutex<[String: RunningExperiment]>([:])

    /// A host for `references` (one per registered model) that checks the registry every `reloadInterval`; with
    /// `experiments`, it also follows the experiments running on its models.
    public init(
        references: [Reference], registry: RegistryStore, artifacts: ArtifactStore, experiments: ExperimentStore? = nil,
        reloadInterval: Duration = .seconds(2), logger: Logger
    ) throws {
        var names = Set<String>()
        for reference in references where !names.insert(reference.name).inserted {
            throw KiteError.invalidArgument("model '\(reference.name)' is named twice; serve one version of each registered model")
        }
        self.references = references
        self.registry = registry
        self.artifacts = artifacts
        self.reloadInterval = reloadInterval
        self.logger = logger
        self.experimentStore = experiments
    }

    /// Loads every model; one that cannot be loaded is an error (a server should not start without its models).
    public func load() async throws {
        for reference in references {
            let model = try await Self.load(reference, registry: registry, artifacts: artifacts)
            served.withLock { $0[reference.name] = model }
            logger.info("serving \(reference) (version \(model.version.version))")
        }
        await refreshExperiments()
    }

    /// The experiment running on the model served as `name`, if any.
    public func experiment(for name: String) -> RunningExperiment? { experiments.withLock { $0[name] } }

    /// Loads the variants of experiments that started or changed on the served models and drops those that
    /// stopped. An experiment whose versions cannot be loaded is logged and left out (requests get the model).
    func refreshExperiments() async {
        guard let experimentStore else { return }
        for reference in references {
            do {
                guard let definition = try await experimentStore.running(model: reference.name) else {
                    if experiments.withLock({ $0.removeValue(forKey: reference.name) }) != nil {
                        logger.info("experiment on \(reference.name) stopped")
                    }
                    continue
                }
                if experiment(for: reference.name)?.definition == definition { continue }
                let variants = try await definition.variants.asyncMap { try await self.load(name: reference.name, tag: $0.model) }
                let shadows = try await definition.shadows.asyncMap { try await self.load(name: reference.name, tag: $0) }
                let running = RunningExperiment(definition: definition, schedule: try definition.schedule, variants: variants, shadows: shadows)
                experiments.withLock { $0[reference.name] = running }
                logger.info(
                    "experiment '\(definition.key)' on \(reference.name): \(zip(definition.variants, variants).map { "\($0.name) v\($1.version.version)" }.joined(separator: ", "))"
                )
            } catch {
                logger.warning("could not load the experiment on \(reference.name): \(error); serving the model alone")
                experiments.withLock { _ = $0.removeValue(forKey: reference.name) }
            }
        }
    }

    /// The version `tag` of model `name`: the served one when it is that version, else loaded.
    private func load(name: String, tag: String) async throws -> ServedModel {
        let version = try await ModelLoader.version(name: name, tag: tag, registry: registry)
        if let current = model(named: name), current.version.version == version.version { return current }
        return try await Self.load(Reference(parsing: "\(name)@\(tag)"), version: version, registry: registry, artifacts: artifacts)
    }

    /// The model served under `name`, if any.
    public func model(named name: String) -> ServedModel? { served.withLock { $0[name] } }

    /// Every served model, by name.
    public var models: [ServedModel] { served.withLock { $0.values.sorted { $0.name < $1.name } } }

    /// Looks each reference up again and swaps in the versions that changed. A version that fails to load is
    /// logged and the old one kept; the host tries again on the next check.
    public func refresh() async {
        for reference in references {
            do {
                let version = try await ModelLoader.version(name: reference.name, tag: reference.tag, registry: registry)
                guard model(named: reference.name)?.version.version != version.version else { continue }
                let loaded = try await Self.load(reference, version: version, registry: registry, artifacts: artifacts)
                let previous = served.withLock { models in
                    defer { models[reference.name] = loaded }
                    return models[reference.name]
                }
                logger.info(
                    "\(reference) moved: now version \(version.version)\(previous.map { " (was \($0.version.version))" } ?? "")")
            } catch {
                logger.warning("could not reload \(reference): \(error); still serving what was loaded")
            }
        }
        await refreshExperiments()
    }

    /// Checks the registry every `reloadInterval` until the service group shuts down.
    public func run() async throws {
        let interval = reloadInterval
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Sleeping ends early (nil) when the group starts shutting down.
            guard (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: interval) })) != nil else { return }
            await refresh()
        }
    }

    private static func load(_ reference: Reference, registry: RegistryStore, artifacts: ArtifactStore) async throws -> ServedModel {
        let version = try await ModelLoader.version(name: reference.name, tag: reference.tag, registry: registry)
        return try await load(reference, version: version, registry: registry, artifacts: artifacts)
    }

    private static func load(_ reference: Reference, version: ModelVersion, registry: RegistryStore, artifacts: ArtifactStore) async throws -> ServedModel {
        let model = try await ModelLoader.model(of: version, reference: reference.description, registry: registry, artifacts: artifacts)
        return ServedModel(name: reference.name, version: version, tag: reference.tag, scorer: try BatchScorer(model: model))
    }
}

extension Array {
    /// The elements transformed one after another by an async function.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        results.reserveCapacity(count)
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
