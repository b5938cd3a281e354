import KiteCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A pool of connections to one Redis server. Connections open on first use and again after the server
/// drops them (a restart); after a failed connect, requests fail at once for `reconnectDelay` instead of each
/// waiting for its own timeout. Whoever makes a client shuts it down: a long-running process runs it as a
/// service, a command uses `with(configuration:logger:_:)`.
public final class RedisClient: RedisExecutor, Service, Sendable {
    public let configuration: RedisConfiguration
    let endpoint: RedisConfiguration.Endpoint
    private let slots: [Slot]
    /// The slots of each event loop.
    private let slotsByLoop: [ObjectIdentifier: [Slot]]
    private let next = Atomic<Int>(0)

    private enum State {
        case idle
        case connecting(Task<RedisConnection, any Error>)
        case connected(RedisConnection)
        case failed(any Error, until: NIODeadline)
        case closed
    }

    /// One pooled connection, always opened on the same event loop.
    private final class Slot: Sendable {
        let state = Mutex<State>(.idle)
        let eventLoop: any EventLoop

        init(eventLoop: any EventLoop) {
            self.eventLoop = eventLoop
        }
    }

    /// A pool for `configuration`'s first endpoint (a cluster's nodes each get one from `RedisClusterClient`).
    public convenience init(configuration: RedisConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.init(configuration: configuration, endpoint: configuration.endpoints[0], group: group)
    }

    init(configuration: RedisConfiguration, endpoint: RedisConfiguration.Endpoint, group: any EventLoopGroup) {
        self.configuration = configuration
        self.endpoint = endpoint
        // Connections spread over the group's loops: a request running on a loop uses a connection of that loop.
        let loops = Array(group.makeIterator())
        slots = (0..<Swift.max(1, configuration.poolSize)).map { index in Slot(eventLoop: loops.isEmpty ? group.next() : loops[index % loops.count]) }
        slotsByLoop = Dictionary(grouping: slots) { ObjectIdentifier($0.eventLoop) }
    }

    /// Runs `body` with a new client, shut down when `body` returns or throws.
    public static func with<T>(
        configuration: RedisConfiguration, isolation: isolated (any Actor)? = #isolation, _ body: (RedisClient) async throws -> T
    ) async throws -> T {
        let client = RedisClient(configuration: configuration)
        do {
            let result = try await body(client)
            client.close()
            return result
        } catch {
            client.close()
            throw error
        }
    }

    public func send(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        let index = next.add(1, ordering: .relaxed).oldValue
        var slot = slots[(index % slots.count + slots.count) % slots.count]
        // On an event loop (Swift Concurrency running on NIO's loops), a connection of that loop: no hop to another.
        if let current = MultiThreadedEventLoopGroup.currentEventLoop, !slot.eventLoop.inEventLoop,
            let local = slotsByLoop[ObjectIdentifier(current)]
        {
            slot = local[(index % local.count + local.count) % local.count]
        }
        return try await connection(slot).send(commands)
    }

    public func masters() async throws -> [any RedisExecutor] { [self] }

    /// Waits for graceful shutdown, then closes the connections.
    public func run() async throws {
        try? await gracefulShutdown()
        close()
    }

    /// Closes every connection; later requests fail.
    public func close() {
        for slot in slots {
            let previous = slot.state.withLock { state in
                defer { state = .closed }
                return state
            }
            switch previous {
            case .connected(let connection): connection.close()
            case .connecting(let task): task.cancel()
            default: break
            }
        }
    }

    private enum Step {
        case use(RedisConnection)
        case wait(Task<RedisConnection, any Error>)
        case fail(any Error)
    }

    private func connection(_ slot: Slot) async throws -> RedisConnection {
        let step: Step = slot.state.withLock { state in
            switch state {
            case .connected(let connection) where connection.isActive: return .use(connection)
            case .connecting(let task): return .wait(task)
            case .failed(let error, let until) where NIODeadline.now() < until: return .fail(error)
            case .closed: return .fail(KiteError(.unavailable, "the Redis client for \(endpoint) is shut down"))
            default:
                let (endpoint, configuration, group) = (self.endpoint, self.configuration, slot.eventLoop)
                let task = Task { try await RedisConnection.connect(to: endpoint, configuration: configuration, group: group) }
                state = .connecting(task)
                return .wait(task)
            }
        }
        switch step {
        case .use(let connection): return connection
        case .fail(let error): throw error
        case .wait(let task):
            do {
                let connection = try await task.value
                let stale = slot.state.withLock { state -> Bool in
                    switch state {
                    case .connecting(let current) where current == task:
                        state = .connected(connection)
                        return false
                    case .connected(let current): return current !== connection
                    default: return true
                    }
                }
                if stale {
                    connection.close()
                    throw KiteError(.unavailable, "the Redis client for \(endpoint) is shut down")
                }
                // The server is back: the other connections need not wait out their reconnect delay.
                for other in slots where other !== slot {
                    other.state.withLock { state in
                        if case .failed = state { state = .idle }
                    }
                }
                return connection
            } catch {
                let delay = configuration.reconnectDelay
                slot.state.withLock { state in
                    if case .connecting(let current) = state, current == task { state = .failed(error, until: .now() + delay) }
                }
                throw error
            }
        }
    }
}
