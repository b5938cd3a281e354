import KiteCore
import Logging
import NIOCore
import NIOPosix

/// One open connection to one server, authenticated and on its database. Commands sent together are written
/// in one go and answered in order.
final class RedisConnection: Sendable {
    let channel: any Channel
    let endpoint: RedisConfiguration.Endpoint

    private init(channel: any Channel, endpoint: RedisConfiguration.Endpoint) {
        self.channel = channel
        self.endpoint = endpoint
    }

    /// Connects to `endpoint`, then sends AUTH and SELECT as the configuration asks.
    static func connect(
        to endpoint: RedisConfiguration.Endpoint, configuration: RedisConfiguration, group: any EventLoopGroup
    ) async throws -> RedisConnection {
        let server = endpoint.description
        let timeout = configuration.commandTimeout
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(configuration.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RedisChannelHandler(timeout: timeout, server: server))
                }
            }
        let channel: any Channel
        do {
            switch endpoint {
            case .tcp(let host, let port):
                channel = try await bootstrap.channelOption(.socketOption(.tcp_nodelay), value: 1).connect(host: host, port: port).get()
            case .unix(let path):
                channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            }
        } catch {
            throw KiteError(.unavailable, "cannot connect to Redis at \(server): \(Self.reason(error))")
        }
        let connection = RedisConnection(channel: channel, endpoint: endpoint)
        var handshake: [RedisCommand] = []
        if configuration.protocolVersion == 3 {
            // HELLO switches to RESP3 and authenticates in one step.
            var arguments = [Array("3".utf8)]
            if let password = configuration.password {
                arguments += [Array("AUTH".utf8), Array((configuration.username ?? "default").utf8), Array(password.utf8)]
            }
            handshake.append(RedisCommand("HELLO", arguments))
        } else if let password = configuration.password {
            handshake.append(RedisCommand("AUTH", (configuration.username.map { [Array($0.utf8)] } ?? []) + [Array(password.utf8)]))
        }
        if configuration.database != 0 { handshake.append(RedisCommand("SELECT", [Array(String(configuration.database).utf8)])) }
        do {
            for (command, answer) in zip(handshake, try await connection.send(handshake)) {
                if let message = answer.errorMessage {
                    let code: KiteError.Code = command.name == "SELECT" ? .invalidArgument : .permissionDenied
                    throw KiteError(code, "Redis at \(server) refused \(command.name): \(message)")
                }
            }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Whether the connection can still carry commands.
    var isActive: Bool { channel.isActive }

    /// Sends `commands` in one write and returns their answers in order (server errors as `.error` values).
    func send(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        var buffer = channel.allocator.buffer(capacity: commands.count * 64)
        for command in commands { command.encode(into: &buffer) }
        let answers = channel.eventLoop.makePromise(of: [RESPValue].self)
        channel.writeAndFlush(RedisRequest(bytes: buffer, count: commands.count, promise: answers)).whenFailure { [endpoint] error in
            answers.fail(KiteError(.unavailable, "cannot send to Redis at \(endpoint): \(Self.reason(error))"))
        }
        return try await answers.futureResult.get()
    }

    func close() { channel.close(promise: nil) }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? KiteError { return error.message }
        if let error = error as? IOError { return error.description }
        if error is ChannelError { return "\(error)" }
        return "\(error)"
    }
}
