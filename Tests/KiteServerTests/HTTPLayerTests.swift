import Foundation
import Hummingbird
import HummingbirdTesting
import KiteCore
import KiteServer
import KiteTesting
import NIOCore
import ObjectStorage
import Registry
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP layer: each API family answers its own 404, 405 and errors; bodies and silent connections are
/// bounded; concurrent writers get distinct version numbers on both registry backends.
@Suite struct HTTPLayerTests {
    static func registryURL(_ backend: String, _ directory: TemporaryDirectory) throws -> String {
        backend == "sqlite" ? "sqlite:\(directory.file("registry.db"))" : try TestServices.postgresDatabase()
    }

    @Test func eachFamilyAnswersInItsOwnErrorFormat() async throws {
        let directory = try TemporaryDirectory()
        let objects = try LocalObjectStore(root: directory.file("artifacts"), create: true)
        try await TestServer.run(registryURL: "sqlite:\(directory.file("registry.db"))", objects: objects) { client in
            // MLflow's families: {"error_code", "message"}.
            for (method, path, status, code) in [
                (HTTPRequest.Method.get, "/api/2.0/mlflow/nope/deeper", 404, "ENDPOINT_NOT_FOUND"),
                (.delete, "/ajax-api/2.0/mlflow/experiments/create", 405, "BAD_REQUEST"),
                (.post, "/api/2.0/mlflow-artifacts/artifacts/0/x.txt", 405, "BAD_REQUEST"),
                (.post, "/api/3.0/mlflow/server-info", 405, "BAD_REQUEST"),
            ] {
                let (answered, json) = try await TestServer.call(client, method, path)
                #expect(answered == status && json["error_code"] == .string(code), "\(method) \(path): \(json.text)")
            }
            // Kite's own: {"error": {"code", "message"}}.
            for (method, path, status, code) in [
                (HTTPRequest.Method.get, "/nope", 404, "endpoint_not_found"),
                (.get, "/api/2.0/mlflow", 404, "endpoint_not_found"),
                (.post, "/health", 405, "bad_request"),
            ] {
                let (answered, json) = try await TestServer.call(client, method, path)
                #expect(answered == status && json["error"]?["code"] == .string(code), "\(method) \(path): \(json.text)")
                if case .string(let message)? = json["error"]?["message"] { #expect(message.contains(path)) } else { Issue.record("no message: \(json.text)") }
            }
            let health = try await client.execute(uri: "/health", method: .get) { String(buffer: $0.body) }
            #expect(health == "OK")
            // A 5,000-character artifact path segment is a bad request, not a file-system error.
            let long = String(repeating: "a", count: 5000)
            for method in [HTTPRequest.Method.put, .delete, .get] {
                let (status, json) = try await TestServer.call(client, method, "/api/2.0/mlflow-artifacts/artifacts/0/\(long)", method == .put ? "x" : nil)
                #expect(status == 400 && json["error_code"] == .string("INVALID_PARAMETER_VALUE"), "\(method): \(json.text.prefix(200))")
            }
        }
    }

    @Test func jsonBodiesOverTheFamilyLimitAre413() async throws {
        let directory = try TemporaryDirectory()
        let objects = try LocalObjectStore(root: directory.file("artifacts"), create: true)
        let configuration = ServerConfiguration(port: 0, jsonBodyLimit: 1 << 20)
        try await TestServer.run(registryURL: "sqlite:\(directory.file("registry.db"))", objects: objects, configuration: configuration) { client in
            let body = #"{"name": ""# + String(repeating: "x", count: 2 << 20) + #""}"#
            let (status, json) = try await TestServer.call(client, .post, "/api/2.0/mlflow/experiments/create", body)
            #expect(status == 413 && json["error_code"] == .string("REQUEST_LIMIT_EXCEEDED"), "\(json.text.prefix(200))")
        }
    }

    /// 16 clients each register 20 versions of one model at once: 320 distinct, contiguous numbers, no 5xx.
    @Test(arguments: ["sqlite", "postgres"]) func concurrentVersionCreationGetsDistinctNumbers(backend: String) async throws {
        let directory = try TemporaryDirectory()
        let objects = try LocalObjectStore(root: directory.file("artifacts"), create: true)
        try await TestServer.run(registryURL: try Self.registryURL(backend, directory), objects: objects, testing: .live) { client in
            let (created, _) = try await TestServer.call(client, .post, "/api/2.0/mlflow/registered-models/create", #"{"name": "fraud"}"#)
            #expect(created == 200)
            let answers = try await withThrowingTaskGroup(of: [(Int, JSONValue)].self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        var answers: [(Int, JSONValue)] = []
                        for _ in 0..<20 {
                            answers.append(
                                try await TestServer.call(
                                    client, .post, "/api/2.0/mlflow/model-versions/create", #"{"name": "fraud", "source": "mlflow-artifacts:/0/m"}"#))
                        }
                        return answers
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let failures = answers.filter { $0.0 != 200 }
            #expect(failures.isEmpty, "\(failures.count) failed, e.g. \(failures.first.map { "\($0.0) \($0.1.text)" } ?? "")")
            let versions = answers.compactMap { answer -> Int? in
                if case .string(let text)? = answer.1["model_version"]?["version"] { Int(text) } else { nil }
            }
            #expect(versions.sorted() == Array(1...320))
            // Two experiments created at once get distinct ids too.
            let ids = try await withThrowingTaskGroup(of: String?.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let (_, json) = try await TestServer.call(client, .post, "/api/2.0/mlflow/experiments/create", #"{"name": "e\#(index)"}"#)
                        if case .string(let id)? = json["experiment_id"] { return id } else { return nil }
                    }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(Set(ids.compactMap { $0 }) == Set((1...8).map(String.init)))
        }
    }

    /// Over real connections: pipelined requests answered in order with `Date` and `Server`; `Connection: close`
    /// and HTTP/1.0's closing honoured; a malformed request answered 400 and closed; a body past the gathered size
    /// streamed to its family (refused at the limit, the rest dropped, the next request answered); an artifact of
    /// several MiB streamed in and back out unchanged.
    @Test func connectionsStreamPipelineAndClose() async throws {
        let directory = try TemporaryDirectory()
        let objects = try LocalObjectStore(root: directory.file("artifacts"), create: true)
        let configuration = ServerConfiguration(port: 0, jsonBodyLimit: 1 << 20)
        try await TestServer.run(registryURL: "sqlite:\(directory.file("registry.db"))", objects: objects, configuration: configuration, testing: .live) {
            client in
            let port = try #require(client.port)
            // Generous waits: in the test process answers run on Swift's shared pool, which the suite's
            // CPU-bound tests can hold for many seconds.
            let pipelined = try RawConnection.exchange(
                port: port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", within: 120)
            #expect(pipelined.closed, "Connection: close left the connection open")
            let answers = pipelined.text.components(separatedBy: "HTTP/1.1 ").dropFirst()
            #expect(answers.count == 2 && answers.allSatisfy { $0.hasPrefix("200 OK") }, "\(pipelined.text)")
            #expect(answers.first?.hasSuffix("\r\n\r\nOK") == true && answers.last?.hasSuffix("kite \(KiteVersion.current)") == true)
            #expect(answers.allSatisfy { $0.lowercased().contains("\r\nserver: kite\r\n") && $0.lowercased().contains(" gmt\r\n") }, "\(pipelined.text)")

            let old = try RawConnection.exchange(port: port, "GET /health HTTP/1.0\r\n\r\n", within: 120)
            #expect(old.text.hasPrefix("HTTP/1.1 200 OK") && old.text.hasSuffix("\r\n\r\nOK") && old.closed, "\(old.text)")

            let malformed = try RawConnection.exchange(port: port, "GET /health HTTP/1.1\r\nHost x\r\n\r\n", within: 120)
            #expect(malformed.text.hasPrefix("HTTP/1.1 400 Bad Request") && malformed.closed, "\(malformed.text)")

            let large = #"{"name": ""# + String(repeating: "x", count: 3 << 20) + #""}"#
            let refused = try RawConnection.exchange(
                port: port,
                "POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(large.utf8.count)\r\n\r\n"
                    + large + "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", within: 120)
            let refusedAnswers = refused.text.components(separatedBy: "HTTP/1.1 ").dropFirst()
            #expect(refusedAnswers.count == 2, "\(refused.text.prefix(600))")
            #expect(refusedAnswers.first?.hasPrefix("413") == true && refusedAnswers.first?.contains("REQUEST_LIMIT_EXCEEDED") == true)
            #expect(refusedAnswers.last?.hasPrefix("200 OK") == true && refused.closed)

            var random = SeededGenerator(seed: 11)
            let artifact = (0..<(9 << 20)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let path = "/api/2.0/mlflow-artifacts/artifacts/0/run/model.bin"
            let stored = try await client.execute(uri: path, method: .put, body: ByteBuffer(bytes: artifact)) { Int($0.status.code) }
            #expect(stored == 200)
            let (status, fetched) = try await client.execute(uri: path, method: .get) { response in
                (Int(response.status.code), Array(response.body.readableBytesView))
            }
            #expect(status == 200 && fetched.count == artifact.count && fetched == artifact)
        }
    }

    /// A client that hangs up in the middle of a streamed artifact upload leaves nothing behind: the body stream
    /// fails, the artifact's sink is aborted (its temporary file removed), and the path can be uploaded again.
    @Test func anUploadCutShortLeavesNoArtifact() async throws {
        let directory = try TemporaryDirectory()
        let root = directory.file("artifacts")
        let objects = try LocalObjectStore(root: root, create: true)
        try await TestServer.run(registryURL: "sqlite:\(directory.file("registry.db"))", objects: objects, testing: .live) { client in
            let port = try #require(client.port)
            let path = "/api/2.0/mlflow-artifacts/artifacts/0/run/cut.bin"
            let head = "PUT \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: \(4 << 20)\r\n\r\n"
            // A quarter of the body, then the connection closes (after a second without an answer).
            _ = try RawConnection.exchange(port: port, head + String(repeating: "z", count: 1 << 20), within: 1)
            var leftovers: [String] = ["?"]
            for _ in 0..<100 {
                leftovers = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
                    .filter { !$0.hasSuffix("/") && !FileManager.default.isDirectory(root + "/" + $0) }
                if leftovers.isEmpty { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(leftovers.isEmpty, "files left by the cut upload: \(leftovers)")
            let status = try await client.execute(uri: path, method: .get) { Int($0.status.code) }
            #expect(status == 404)
            let stored = try await client.execute(uri: path, method: .put, body: ByteBuffer(string: "whole")) { Int($0.status.code) }
            let fetched = try await client.execute(uri: path, method: .get) { String(buffer: $0.body) }
            #expect(stored == 200 && fetched == "whole")
        }
    }

    /// A request whose headers or body never complete does not hold its connection: the server closes it.
    @Test func silentConnectionsAreClosed() async throws {
        let directory = try TemporaryDirectory()
        let objects = try LocalObjectStore(root: directory.file("artifacts"), create: true)
        let configuration = ServerConfiguration(port: 0, requestTimeout: .seconds(1))
        try await TestServer.run(registryURL: "sqlite:\(directory.file("registry.db"))", objects: objects, configuration: configuration, testing: .live) {
            client in
            let port = try #require(client.port)
            for partial in ["POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"na", "GET /health HTTP/1.1\r\nHo"] {
                let start = ContinuousClock.now
                let closed = try RawConnection.sendAndAwaitClose(port: port, partial, within: 10)
                #expect(closed, "the server kept a silent connection open for 10 s")
                #expect(ContinuousClock.now - start < .seconds(10))
            }
        }
    }
}

/// A plain TCP connection to loopback, for requests no HTTP client would send.
enum RawConnection {
    /// Sends `text` and reads what comes back until the server closes the connection (`closed`) or `seconds` pass
    /// without a byte.
    static func exchange(port: Int, _ text: String, within seconds: Int) throws -> (text: String, closed: Bool) {
        let fd = try connected(port: port, timeout: seconds)
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, 0) }
            guard count > 0 else { throw KiteError(.io, "send() failed after \(sent) bytes") }
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (String(decoding: received, as: UTF8.self), count == 0) }
            received += buffer[..<count]
        }
    }

    /// Sends `text` and waits up to `seconds` for the server to close the connection; true if it did.
    static func sendAndAwaitClose(port: Int, _ text: String, within seconds: Int) throws -> Bool {
        let fd = try connected(port: port, timeout: seconds)
        defer { close(fd) }
        _ = Array(text.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }  // closed by the server (after any answer it sent)
            if count < 0 { return false }  // timed out
        }
    }

    /// A socket connected to loopback's `port`, its reads timing out after `timeout` seconds.
    private static func connected(port: Int, timeout seconds: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw KiteError(.io, "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw KiteError(.io, "connect() to port \(port) failed")
        }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }
}

extension FileManager {
    /// Whether `path` is a directory.
    fileprivate func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
