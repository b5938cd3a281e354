import Foundation
import KiteCore
import Registry

/// Experiments kept in the registry: the definition as JSON, its key, model and status as columns, so one
/// experiment at most runs per model (on both backends, also when two servers start one at once).
public struct ExperimentStore: Sendable {
    public let registry: RegistryStore

    public init(registry: RegistryStore) { self.registry = registry }

    /// Creates or replaces `experiment` (a running one without a start time starts now); a second running
    /// experiment on its model is `already_exists`.
    public func save(_ experiment: ExperimentDefinition) async throws {
        var experiment = experiment
        try experiment.validate()
        if experiment.status == .running, experiment.startedAt == nil { experiment.startedAt = registry.clock.now() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(experiment), as: UTF8.self)
        try await registry.saveABTest(key: experiment.key, model: experiment.model, status: experiment.status.rawValue, definition: json)
    }

    /// The experiment `key`, or `not_found`.
    public func experiment(key: String) async throws -> ExperimentDefinition {
        try Self.decode(try await registry.abTest(key: key))
    }

    /// Every experiment (optionally of one model), by key.
    public func experiments(model: String? = nil) async throws -> [ExperimentDefinition] {
        try await registry.abTests(model: model).map(Self.decode)
    }

    /// The experiment running on `model`, if any.
    public func running(model: String) async throws -> ExperimentDefinition? {
        try await registry.abTests(model: model, status: ExperimentDefinition.Status.running.rawValue).first.map(Self.decode)
    }

    /// Moves experiment `key` to `status` and returns it.
    @discardableResult
    public func setStatus(key: String, _ status: ExperimentDefinition.Status) async throws -> ExperimentDefinition {
        var experiment = try await self.experiment(key: key)
        if status == .running, experiment.status != .running { experiment.startedAt = registry.clock.now() }
        experiment.status = status
        try await save(experiment)
        return experiment
    }

    private static func decode(_ stored: StoredABTest) throws -> ExperimentDefinition {
        do {
            let experiment = try JSONDecoder().decode(ExperimentDefinition.self, from: Data(stored.definition.utf8))
            try experiment.validate()
            return experiment
        } catch {
            throw KiteError.corrupt("the registry's experiment '\(stored.key)' cannot be read: \(error)")
        }
    }
}
