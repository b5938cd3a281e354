import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import KiteServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Past its limit of requests in flight the server answers 503 with `Retry-After` at once instead of queueing.
@Suite struct LoadSheddingTests {
    struct Answer: Sendable {
        var status: Int
        var retryAfter: String?
        var body: String
    }

    /// One request on a connection of its own (the test client has one connection, which would serialize them).
    static func get(port: Int) async throws -> Answer {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 1
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/slow"))
        let (data, response) = try await session.data(from: url)
        let http = response as? HTTPURLResponse
        return Answer(status: http?.statusCode ?? 0, retryAfter: http?.value(forHTTPHeaderField: "Retry-After"), body: String(decoding: data, as: UTF8.self))
    }

    @Test func requestsPastTheLimitAreShedWithRetryAfter() async throws {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: APIErrorMiddleware(format: .kite))
        router.add(middleware: LoadSheddingMiddleware(limit: 2))
        router.get("slow") { _, _ -> String in
            try await Task.sleep(for: .milliseconds(400))
            return "done"
        }
        let application = Application(router: router)
        try await application.test(.live) { client in
            let port = try #require(client.port)
            var answers: [Answer] = []
            try await withThrowingTaskGroup(of: Answer.self) { group in
                for _ in 0..<8 { group.addTask { try await Self.get(port: port) } }
                for try await answer in group { answers.append(answer) }
            }
            let shed = answers.filter { $0.status == 503 }
            let served = answers.filter { $0.status == 200 && $0.body == "done" }
            #expect(served.count >= 2 && shed.count >= 1 && served.count + shed.count == 8, "\(answers)")
            #expect(shed.allSatisfy { $0.retryAfter == "1" && $0.body.contains(#""code":"temporarily_unavailable""#) }, "\(shed)")
            // Once the slow requests are done, there is room again.
            #expect(try await Self.get(port: port).status == 200)
        }
    }
}
