import Crypto
import Foundation
import GRDB
import KiteCore

/// Where applied feature definitions are kept: every `kite apply` that changes them records a new version with
/// its time and the definition files' text, so a training set can name exactly which definitions it used.
/// SQLite (the embedded default) through GRDB.
public final class FeatureRegistry: Sendable {
    /// One applied version of the definitions.
    public struct Version: Sendable, Hashable {
        public var number: Int
        /// When it was applied, microseconds since the epoch.
        public var appliedAt: Int64
        /// SHA-256 of the files, to tell whether anything changed.
        public var digest: String
        /// File name → YAML text.
        public var files: [String: String]
    }

    private let database: DatabaseQueue

    /// Opens (creating if needed) the registry database at `path`.
    public init(path: String) throws {
        do {
            if let slash = path.lastIndex(of: "/") {
                try FileManager.default.createDirectory(atPath: String(path[..<slash]), withIntermediateDirectories: true)
            }
            database = try DatabaseQueue(path: path)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1: feature definitions") { db in
                try db.create(table: "feature_definition_version") { t in
                    t.primaryKey("number", .integer)
                    t.column("applied_at", .integer).notNull()
                    t.column("digest", .text).notNull()
                }
                try db.create(table: "feature_definition_file") { t in
                    t.column("version", .integer).notNull().references("feature_definition_version", onDelete: .cascade)
                    t.column("name", .text).notNull()
                    t.column("content", .text).notNull()
                    t.primaryKey(["version", "name"])
                }
            }
            try migrator.migrate(database)
        } catch let error as DatabaseError {
            throw KiteError(.io, "cannot open the feature registry \(path): \(error.message ?? "\(error)")")
        }
    }

    /// Records `files` as a new version unless they equal the latest; returns the version in force and whether
    /// it is new.
    public func apply(files: [String: String], at time: Int64) throws -> (version: Version, created: Bool) {
        let digest = Self.digest(files)
        return try write { db in
            if let latest = try Self.latest(db), latest.digest == digest { return (latest, false) }
            let number = (try Int.fetchOne(db, sql: "SELECT MAX(number) FROM feature_definition_version") ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO feature_definition_version (number, applied_at, digest) VALUES (?, ?, ?)",
                arguments: [number, time, digest])
            for (name, content) in files {
                try db.execute(
                    sql: "INSERT INTO feature_definition_file (version, name, content) VALUES (?, ?, ?)",
                    arguments: [number, name, content])
            }
            return (Version(number: number, appliedAt: time, digest: digest, files: files), true)
        }
    }

    /// The latest applied version, if any.
    public func latest() throws -> Version? {
        try read { try Self.latest($0) }
    }

    /// Every version's number and time, newest first.
    public func history() throws -> [(number: Int, appliedAt: Int64)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT number, applied_at FROM feature_definition_version ORDER BY number DESC")
                .map { ($0["number"], $0["applied_at"]) }
        }
    }

    private static func latest(_ db: Database) throws -> Version? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM feature_definition_version ORDER BY number DESC LIMIT 1")
        else { return nil }
        let number: Int = row["number"]
        var files: [String: String] = [:]
        for file in try Row.fetchAll(db, sql: "SELECT name, content FROM feature_definition_file WHERE version = ?", arguments: [number]) {
            files[file["name"]] = file["content"]
        }
        return Version(number: number, appliedAt: row["applied_at"], digest: row["digest"], files: files)
    }

    private static func digest(_ files: [String: String]) -> String {
        var hasher = SHA256()
        for name in files.keys.sorted() {
            hasher.update(data: Array("\(name)\u{0}\(files[name] ?? "")\u{0}".utf8))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch let error as DatabaseError {
            throw KiteError(.io, "feature registry: \(error.message ?? "\(error)")")
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.write(body) } catch let error as DatabaseError {
            throw KiteError(.io, "feature registry: \(error.message ?? "\(error)")")
        }
    }
}
