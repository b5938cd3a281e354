import KiteCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A Redis Cluster client: routes each command to the master owning its key's hash slot (pipelined per node,
/// nodes in parallel), follows `MOVED` (updating the slot map) and `ASK` (once, with `ASKING`), and reloads the
/// topology with `CLUSTER SLOTS` when a node fails or moves, so requests succeed again after a failover.
public final class RedisClusterClient: RedisExecutor, Service, Sendable {
    public let configuration: RedisConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex<Topology>(Topology())
    /// Attempts for one command across redirects and failovers.
    static let maximumAttempts = 6

    private struct Topology {
        /// The owning node of each slot; nil before the first refresh or for an unassigned slot.
        var owners: [RedisConfiguration.Endpoint?] = Array(repeating: nil, count: HashSlot.count)
        var clients: [RedisConfiguration.Endpoint: RedisClient] = [:]
        var refresh: Task<Void, any Error>?
        var closed = false
    }

    /// A client for the cluster whose seed nodes `configuration` lists.
    public init(configuration: RedisConfiguration, logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
    }

    /// Waits for graceful shutdown, then closes every node's connections.
    public func run() async throws {
        try? await gracefulShutdown()
        close()
    }

    /// Closes every connection; later requests fail.
    public func close() {
        let clients = state.withLock { topology in
            topology.closed = true
            topology.refresh?.cancel()
            return Array(topology.clients.values)
        }
        for client in clients { client.close() }
    }

    public func send(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        var answers = [RESPValue?](repeating: nil, count: commands.count)
        var pending = Array(commands.indices)
        var asking: [Int: RedisConfiguration.Endpoint] = [:]
        var lastError: (any Error)?
        for attempt in 0..<Self.maximumAttempts {
            if attempt > 0, lastError != nil {
                // A failure (not a redirect): give a failover time before trying again.
                try await Task.sleep(for: .milliseconds(50 << Swift.min(attempt, 5)))
            }
            if state.withLock({ $0.owners.allSatisfy { $0 == nil } }) || lastError != nil {
                do { try await refreshTopology() } catch { lastError = error }
            }
            lastError = nil
            // Group the pending commands by the node that should run them.
            var groups: [RedisConfiguration.Endpoint: [Int]] = [:]
            var unrouted: [Int] = []
            for index in pending {
                if let target = asking[index] ?? node(for: commands[index]) {
                    groups[target, default: []].append(index)
                } else {
                    unrouted.append(index)
                }
            }
            let sent = asking
            asking = [:]
            let results = await withTaskGroup(of: (RedisConfiguration.Endpoint, [Int], Result<[RESPValue], any Error>).self) { tasks in
                for (endpoint, indices) in groups {
                    let client = client(for: endpoint)
                    var batch: [RedisCommand] = []
                    for index in indices {
                        if sent[index] != nil { batch.append(RedisCommand(words: "ASKING")) }
                        batch.append(commands[index])
                    }
                    tasks.addTask {
                        do { return (endpoint, indices, .success(try await client.send(batch))) } catch { return (endpoint, indices, .failure(error)) }
                    }
                }
                var collected: [(RedisConfiguration.Endpoint, [Int], Result<[RESPValue], any Error>)] = []
                for await result in tasks { collected.append(result) }
                return collected
            }
            pending = unrouted
            if !unrouted.isEmpty { lastError = KiteError(.unavailable, "the Redis Cluster has no node for some slots (cluster down?)") }
            for (_, indices, result) in results {
                switch result {
                case .failure(let error):
                    lastError = error
                    pending += indices
                case .success(var values):
                    var position = 0
                    for index in indices {
                        if sent[index] != nil { position += 1 }  // ASKING's OK
                        guard position < values.count else { break }
                        let value = values[position]
                        position += 1
                        if let message = value.errorMessage, let redirect = Self.redirect(message) {
                            if redirect.isMoved {
                                state.withLock { $0.owners[redirect.slot] = redirect.endpoint }
                            } else {
                                asking[index] = redirect.endpoint
                            }
                            pending.append(index)
                        } else if let message = value.errorMessage, message.hasPrefix("TRYAGAIN") || message.hasPrefix("CLUSTERDOWN") {
                            lastError = KiteError(.unavailable, "Redis Cluster: \(message)")
                            pending.append(index)
                        } else {
                            answers[index] = value
                        }
                    }
                    values.removeAll()
                }
            }
            if pending.isEmpty { return answers.map { $0 ?? .null } }
            pending.sort()
        }
        throw lastError ?? KiteError(.unavailable, "the Redis Cluster kept redirecting after \(Self.maximumAttempts) attempts")
    }

    public func masters() async throws -> [any RedisExecutor] {
        try await refreshTopology()
        let endpoints = state.withLock { Set($0.owners.compactMap { $0 }) }
        return endpoints.sorted { $0.description < $1.description }.map { client(for: $0) }
    }

    /// The node that owns `command`'s key, or any known node for a command without one.
    private func node(for command: RedisCommand) -> RedisConfiguration.Endpoint? {
        state.withLock { topology in
            if let key = command.key { return topology.owners[HashSlot.of(key)] }
            return topology.owners.first { $0 != nil } ?? nil
        }
    }

    private func client(for endpoint: RedisConfiguration.Endpoint) -> RedisClient {
        let (client, isNew) = state.withLock { topology in
            if let existing = topology.clients[endpoint] { return (existing, false) }
            let made = RedisClient(configuration: configuration, endpoint: endpoint, group: group)
            topology.clients[endpoint] = made
            if topology.closed { made.close() }
            return (made, true)
        }
        if isNew { logger.debug("redis cluster: connecting to \(endpoint)") }
        return client
    }

    /// Reloads the slot map with `CLUSTER SLOTS` from the first node that answers (known nodes, then seeds);
    /// concurrent callers share one reload.
    func refreshTopology() async throws {
        let task: Task<Void, any Error> = state.withLock { topology in
            if let running = topology.refresh { return running }
            let candidates = Array(topology.clients.keys) + configuration.endpoints
            let task = Task { try await self.loadSlots(from: candidates) }
            topology.refresh = task
            return task
        }
        defer { state.withLock { if $0.refresh == task { $0.refresh = nil } } }
        try await task.value
    }

    private func loadSlots(from candidates: [RedisConfiguration.Endpoint]) async throws {
        var seen = Set<RedisConfiguration.Endpoint>()
        var failure: (any Error)?
        for endpoint in candidates where seen.insert(endpoint).inserted {
            do {
                let answer = try await client(for: endpoint).send(RedisCommand(words: "CLUSTER", "SLOTS"))
                if let message = answer.errorMessage { throw KiteError(.unavailable, "\(endpoint) answered CLUSTER SLOTS with: \(message)") }
                let owners = try Self.owners(from: answer, askedHost: endpoint)
                state.withLock { $0.owners = owners }
                logger.debug("redis cluster: topology from \(endpoint)")
                return
            } catch {
                failure = error
            }
        }
        throw KiteError(.unavailable, "no Redis Cluster node answered CLUSTER SLOTS (last error: \(failure.map { "\($0)" } ?? "none"))")
    }

    /// The slot map from a `CLUSTER SLOTS` answer: `[[start, end, [host, port, id…], replicas…], …]`.
    static func owners(from answer: RESPValue, askedHost: RedisConfiguration.Endpoint) throws -> [RedisConfiguration.Endpoint?] {
        guard let ranges = answer.elements else { throw KiteError(.corruptData, "CLUSTER SLOTS did not answer an array") }
        var owners = [RedisConfiguration.Endpoint?](repeating: nil, count: HashSlot.count)
        for range in ranges {
            guard let parts = range.elements, parts.count >= 3, let start = parts[0].integer, let end = parts[1].integer,
                let master = parts[2].elements, master.count >= 2, let port = master[1].integer,
                start >= 0, end < HashSlot.count, start <= end, (1...65535).contains(port)
            else { throw KiteError(.corruptData, "CLUSTER SLOTS answered an entry Kite cannot read: \(range)") }
            var host = master[0].string ?? ""
            if host.isEmpty || host == "?", case .tcp(let asked, _) = askedHost { host = asked }
            let endpoint = RedisConfiguration.Endpoint.tcp(host: host, port: Int(port))
            for slot in Int(start)...Int(end) { owners[slot] = endpoint }
        }
        return owners
    }

    /// A `MOVED slot host:port` or `ASK slot host:port` error.
    static func redirect(_ message: String) -> (isMoved: Bool, slot: Int, endpoint: RedisConfiguration.Endpoint)? {
        let parts = message.split(separator: " ")
        guard parts.count == 3, parts[0] == "MOVED" || parts[0] == "ASK", let slot = Int(parts[1]), (0..<HashSlot.count).contains(slot),
            let colon = parts[2].lastIndex(of: ":"), let port = Int(parts[2][parts[2].index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        return (parts[0] == "MOVED", slot, .tcp(host: String(parts[2][..<colon]), port: port))
    }
}
