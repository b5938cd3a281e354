import Crypto
import Foundation
import KiteCore

/// What an API token may do; each role includes the ones before it.
public enum TokenRole: String, CaseIterable, Sendable, Comparable {
    /// Read: GET requests and searches.
    case read
    /// Read, and ask for predictions and online features.
    case predict
    /// Everything but managing tokens: MLflow writes, pushes, materialization, alias moves.
    case write
    /// Everything.
    case admin

    public static func < (lhs: TokenRole, rhs: TokenRole) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// An API token as the registry keeps it: never the token itself, only its hash.
public struct APIToken: Sendable, Hashable {
    public var id: String
    public var name: String
    public var role: TokenRole
    public var createdTime: Int64
    public var revokedTime: Int64?
}

extension RegistryStore {
    /// Creates a token with `role`; the token's text is returned once and only its SHA-256 is stored.
    public func createToken(name: String, role: TokenRole) async throws -> (token: String, record: APIToken) {
        try RegistryLimits.checkName(name, of: "a token")
        var random = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        let id = String(secret.prefix(8))
        let token = "kite_" + secret
        let record = APIToken(id: id, name: name, role: role, createdTime: clock.now(), revokedTime: nil)
        try await database.write { session in
            try session.execute(
                "INSERT INTO api_token (id, name, role, hash, created_time) VALUES (?, ?, ?, ?, ?)",
                [.text(id), .text(name), .text(role.rawValue), .text(Self.tokenHash(token)), .integer(record.createdTime)])
        }
        return (token, record)
    }

    /// Every token, newest first, revoked ones included.
    public func tokens() async throws -> [APIToken] {
        try await database.read { session in
            try session.query("SELECT * FROM api_token ORDER BY created_time DESC, id", []).map(Self.token)
        }
    }

    /// Revokes the token with `id` (servers stop accepting it within their cache's lifetime).
    public func revokeToken(id: String) async throws {
        try await database.write { session in
            guard try session.first("SELECT id FROM api_token WHERE id = ? AND revoked_time IS NULL", [.text(id)]) != nil else {
                throw Self.missing("no active token with id '\(id)'")
            }
            try session.execute("UPDATE api_token SET revoked_time = ? WHERE id = ?", [.integer(self.clock.now()), .text(id)])
        }
    }

    /// The role of an active token given as sent (`kite_…`), nil for an unknown or revoked one.
    public func role(ofToken token: String) async throws -> TokenRole? {
        let hash = Self.tokenHash(token)
        return try await database.read { session in
            try session.first("SELECT role FROM api_token WHERE hash = ? AND revoked_time IS NULL", [.text(hash)])
                .flatMap { TokenRole(rawValue: $0.text("role")) }
        }
    }

    /// The hex SHA-256 of a token (tokens are 256 random bits, so a fast hash is as good as a slow one).
    static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private static func token(_ row: SQLRow) -> APIToken {
        APIToken(
            id: row.text("id"), name: row.text("name"), role: TokenRole(rawValue: row.text("role")) ?? .read, createdTime: row.integer("created_time") ?? 0,
            revokedTime: row.integer("revoked_time"))
    }
}
