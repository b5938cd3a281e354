import Features
import Foundation
import KiteCore
import KiteTesting
import Logging
import Registry
import Synchronization
import Testing

@testable import KiteServer

/// The server's applied definitions: a new `kite apply` is seen once the held ones are `maximumAge` old, requests
/// arriving together when the age runs out all get definitions while one of them checks, and a failed check keeps
/// the held ones.
@Suite struct AppliedDefinitionsTests {
    private final class Time: Sendable {
        let now = Atomic<Int64>(FraudProject.now)
    }

    @Test func aNewApplyIsSeenAfterTheMaximumAge() async throws {
        try await FraudProject.with { project in
            let time = Time()
            let clock = WallClock { time.now.load(ordering: .relaxed) }
            try await RegistryStore.withStore(url: project.configuration.registryURL, logger: Logger(label: "test"), clock: clock) { registry in
                let applied = AppliedDefinitions(
                    registry: registry, project: project.configuration, maximumAgeMicroseconds: 5_000_000, logger: Logger(label: "test"))
                func ttl() async throws -> Int64 {
                    try #require(try await applied.current().featureViews.first { $0.name == "customer_stats" }).ttl.microseconds
                }
                let before = try await ttl()
                // Retrievals share the plans worked out from one version of the definitions, and only from one.
                let directory = try TemporaryDirectory()
                let store = try EmbeddedOnlineStore(path: directory.file("online.db"))
                func plans() async throws -> OnlineRetrieval.Plans { try await applied.retrieval(store: store, clock: clock).plans }
                let first = try await plans()
                #expect(try await plans() === first)
                var files = try project.configuration.definitionFiles()
                let name = try #require(files.keys.first { files[$0]?.contains("customer_stats") == true })
                let text = try #require(files[name])
                let range = try #require(text.range(of: #"ttl: \d+d"#, options: .regularExpression))
                files[name] = text.replacingCharacters(in: range, with: "ttl: 123d")
                #expect(try await registry.applyFeatureDefinitions(files: files).created)

                // Held until they are 5 s old.
                time.now.add(4_999_999, ordering: .relaxed)
                #expect(try await ttl() == before)
                time.now.add(1, ordering: .relaxed)
                let answers = try await withThrowingTaskGroup(of: Int64.self) { group in
                    for _ in 0..<32 { group.addTask { try await ttl() } }
                    return try await group.reduce(into: [Int64]()) { $0.append($1) }
                }
                #expect(answers.count == 32 && answers.allSatisfy { $0 == before || $0 == 123 * Timestamp.microsPerDay })
                #expect(try await ttl() == 123 * Timestamp.microsPerDay)
                #expect(try await plans() !== first)

                // A check that fails (here: applied files that do not parse) keeps the held definitions, and is
                // tried again only once they are `maximumAge` old again.
                #expect(try await registry.applyFeatureDefinitions(files: [name: "feature_views: [oops"]).created)
                time.now.add(5_000_000, ordering: .relaxed)
                #expect(try await ttl() == 123 * Timestamp.microsPerDay)
                files[name] = text.replacingCharacters(in: range, with: "ttl: 77d")
                #expect(try await registry.applyFeatureDefinitions(files: files).created)
                time.now.add(4_999_999, ordering: .relaxed)
                #expect(try await ttl() == 123 * Timestamp.microsPerDay)
                time.now.add(1, ordering: .relaxed)
                #expect(try await ttl() == 77 * Timestamp.microsPerDay)
            }
        }
    }
}
