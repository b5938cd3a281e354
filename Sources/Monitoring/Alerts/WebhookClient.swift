import AsyncHTTPClient
import Foundation
import KiteCore
import NIOCore
import NIOHTTP1

/// The HTTP a monitor check sends and reads: alerts POSTed as JSON to a webhook, retried with backoff, and a
/// server's `/metrics` text. Whoever makes one shuts it down; `with(_:)` does both.
public final class WebhookClient: Sendable {
    let http: HTTPClient
    /// Attempts per notification and the first wait between them (doubled after each failure).
    public let attempts: Int
    public let backoff: Duration

    public init(attempts: Int = 3, backoff: Duration = .milliseconds(500), timeout: Duration = .seconds(10)) {
        var settings = HTTPClient.Configuration()
        settings.redirectConfiguration = .disallow
        settings.timeout.connect = .seconds(5)
        settings.timeout.read = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: settings)
        self.attempts = max(attempts, 1)
        self.backoff = backoff
    }

    /// Runs `body` with a new client, shut down after.
    public static func with<T>(isolation: isolated (any Actor)? = #isolation, _ body: (WebhookClient) async throws -> T) async throws -> T {
        let client = WebhookClient()
        do {
            let result = try await body(client)
            try await client.http.shutdown()
            return result
        } catch {
            try? await client.http.shutdown()
            throw error
        }
    }

    /// POSTs `json` to `url` until it answers 2xx, at most `attempts` times; the last failure is thrown.
    public func post(json: [UInt8], to url: String) async throws {
        var wait = backoff
        var lastError: any Error = KiteError(.unavailable, "no attempt was made")
        for attempt in 1...attempts {
            do {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "User-Agent", value: "kite/\(KiteVersion.current)")
                request.body = .bytes(ByteBuffer(bytes: json))
                let response = try await http.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 16)
                if (200..<300).contains(response.status.code) { return }
                lastError = KiteError(.unavailable, "the webhook \(url) answered \(response.status.code)")
            } catch {
                lastError = KiteError(.unavailable, "the webhook \(url) could not be reached: \(error)")
            }
            if attempt < attempts {
                try await Task.sleep(for: wait)
                wait *= 2
            }
        }
        throw lastError
    }

    /// The text at `url` (at most 16 MiB), or an error.
    public func get(_ url: String) async throws -> String {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        guard response.status.code == 200 else { throw KiteError(.unavailable, "\(url) answered \(response.status.code)") }
        return String(buffer: try await response.body.collect(upTo: 16 << 20))
    }
}
