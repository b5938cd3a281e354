import Crypto
import Foundation
import KiteCore

/// One applied version of a project's feature definitions: what `kite apply` recorded.
public struct FeatureDefinitionVersion: Sendable, Hashable {
    public var number: Int
    /// When it was applied, microseconds since the epoch.
    public var appliedAt: Int64
    /// SHA-256 of the files, to tell whether anything changed.
    public var digest: String
    /// File name → YAML text.
    public var files: [String: String]
}

extension RegistryStore {
    /// Records `files` as a new version of the feature definitions unless they equal the latest; returns the
    /// version in force and whether it is new. Concurrent applies on PostgreSQL wait for each other.
    public func applyFeatureDefinitions(files: [String: String]) async throws -> (version: FeatureDefinitionVersion, created: Bool) {
        let digest = Self.digest(files)
        let time = clock.now()
        return try await database.write { session in
            // Lock the counter's row first, so the comparison below sees any apply that committed meanwhile.
            try session.execute("UPDATE kite_counter SET value = value WHERE name = 'feature_definitions'", [])
            if let latest = try Self.latestFeatureDefinitions(session), latest.digest == digest { return (latest, false) }
            let number = try Self.nextValue(session, counter: "feature_definitions")
            try session.execute(
                "INSERT INTO feature_definition_version (number, applied_at, digest) VALUES (?, ?, ?)",
                [.integer(number), .integer(time), .text(digest)])
            for (name, content) in files.sorted(by: { $0.key < $1.key }) {
                try session.execute(
                    "INSERT INTO feature_definition_file (version, name, content) VALUES (?, ?, ?)", [.integer(number), .text(name), .text(content)])
            }
            return (FeatureDefinitionVersion(number: Int(number), appliedAt: time, digest: digest, files: files), true)
        }
    }

    /// The latest applied feature definitions, if any.
    public func latestFeatureDefinitions() async throws -> FeatureDefinitionVersion? {
        try await database.read { session in try Self.latestFeatureDefinitions(session) }
    }

    /// Every applied version's number and time, newest first.
    public func featureDefinitionHistory() async throws -> [(number: Int, appliedAt: Int64)] {
        try await database.read { session in
            try session.query("SELECT number, applied_at FROM feature_definition_version ORDER BY number DESC", [])
                .map { (Int($0.integer("number") ?? 0), $0.integer("applied_at") ?? 0) }
        }
    }

    private static func latestFeatureDefinitions(_ session: any SQLSession) throws -> FeatureDefinitionVersion? {
        guard let row = try session.first("SELECT * FROM feature_definition_version ORDER BY number DESC LIMIT 1", []),
            let number = row.integer("number")
        else { return nil }
        var files: [String: String] = [:]
        for file in try session.query("SELECT name, content FROM feature_definition_file WHERE version = ?", [.integer(number)]) {
            files[file.text("name")] = file.text("content")
        }
        return FeatureDefinitionVersion(number: Int(number), appliedAt: row.integer("applied_at") ?? 0, digest: row.text("digest"), files: files)
    }

    private static func digest(_ files: [String: String]) -> String {
        var hasher = SHA256()
        for name in files.keys.sorted() {
            hasher.update(data: Array("\(name)\u{0}\(files[name] ?? "")\u{0}".utf8))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
