import AsyncHTTPClient
import KiteCore
import Logging
import NIOCore
import ServiceLifecycle

/// The connection pool S3 stores send through, with the settings they share. Whoever makes one shuts it down:
/// a long-running process runs it as a service (it closes its connections on graceful shutdown), a command
/// uses `with(configuration:logger:_:)`.
public final class S3Client: Service, Sendable {
    /// Where S3 is, how to sign, part sizes, timeouts and retries.
    public let configuration: S3Configuration
    /// Signing time.
    public let clock: WallClock
    let http: HTTPClient

    /// A client for `configuration`; its connections wait at most `connectTimeoutSeconds` to open.
    public init(
        configuration: S3Configuration, logger: Logger, clock: WallClock = .system,
        eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup
    ) throws {
        self.configuration = try configuration.validated()
        self.clock = clock
        var settings = HTTPClient.Configuration()
        settings.redirectConfiguration = .disallow
        settings.timeout.connect = .seconds(configuration.connectTimeoutSeconds)
        settings.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        http = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: settings, backgroundActivityLogger: logger)
    }

    /// Waits for graceful shutdown, then closes the connections.
    public func run() async throws {
        try? await gracefulShutdown()
        try await http.shutdown()
    }

    /// Runs `body` with a new client, shut down when `body` returns or throws.
    public static func with<T>(
        configuration: S3Configuration, logger: Logger, isolation: isolated (any Actor)? = #isolation,
        _ body: (S3Client) async throws -> T
    ) async throws -> T {
        let client = try S3Client(configuration: configuration, logger: logger)
        do {
            let result = try await body(client)
            try await client.http.shutdown()
            return result
        } catch {
            try? await client.http.shutdown()
            throw error
        }
    }
}
