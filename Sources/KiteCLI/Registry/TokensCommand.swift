import ArgumentParser
import Features
import Foundation
import KiteCore
import Registry

/// `kite tokens`: the API tokens `kite serve --auth` accepts.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Create, list and revoke the API tokens kite serve accepts when auth is on.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a token and print it (only once: the registry keeps its hash).",
            discussion: """
                Roles, each including the ones before: read (GET requests and searches), predict (predictions and \
                online features), write (MLflow writes, pushes, materialization, alias moves), admin. Clients send \
                it as 'Authorization: Bearer TOKEN'; the mlflow client does so from MLFLOW_TRACKING_TOKEN.
                """)

        @OptionGroup var options: ProjectOptions
        @Option(help: "read, predict, write or admin.") var role: String
        @Option(help: "A name to recognize the token by (who or what uses it).") var name: String = "token"

        func run() async throws {
            guard let role = TokenRole(rawValue: role) else {
                throw KiteError.invalidArgument("--role must be one of \(TokenRole.allCases.map(\.rawValue).joined(separator: ", ")), not '\(self.role)'")
            }
            let name = name
            let (token, record) = try await options.withRegistry(try options.configuration()) { try await $0.createToken(name: name, role: role) }
            Terminal.standardOutput("\(token)\n")
            Terminal.standardError("token \(record.id) ('\(record.name)', \(record.role.rawValue)) created; it is shown only now\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the tokens (never their secrets).")

        @OptionGroup var options: ProjectOptions

        func run() async throws {
            let tokens = try await options.withRegistry(try options.configuration()) { try await $0.tokens() }
            let rows = tokens.map { token in
                [token.id, token.name, token.role.rawValue, Timestamp.format(token.createdTime), token.revokedTime.map(Timestamp.format) ?? "active"]
            }
            Terminal.standardOutput(TableFormatter.render(headers: [["id", "name", "role", "created", "revoked"]], rows: rows))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token; servers stop accepting it within five seconds.")

        @OptionGroup var options: ProjectOptions
        @Argument(help: "The token's id (from 'kite tokens list').") var id: String

        func run() async throws {
            let id = id
            try await options.withRegistry(try options.configuration()) { try await $0.revokeToken(id: id) }
            Terminal.standardOutput("token \(id) revoked\n")
        }
    }
}
