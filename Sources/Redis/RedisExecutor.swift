/// Something that runs Redis commands: one server's connection pool, or a cluster that routes each command to
/// the node owning its key.
public protocol RedisExecutor: Sendable {
    /// Sends `commands` as one pipeline (per node) and returns their answers in the same order; a server error is
    /// an `.error` answer, a connection failure or timeout throws.
    func send(_ commands: [RedisCommand]) async throws -> [RESPValue]

    /// One executor per master (the client itself for one server), for commands that must run on every node,
    /// such as `SCAN`.
    func masters() async throws -> [any RedisExecutor]

    /// Closes every connection; later requests fail.
    func close()
}

extension RedisExecutor {
    /// Sends one command and returns its answer.
    public func send(_ command: RedisCommand) async throws -> RESPValue {
        try await send([command])[0]
    }
}
