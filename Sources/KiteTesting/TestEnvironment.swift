import Foundation
import KiteCore

/// Where the test suite finds the repository, the shared test data, the built `kite` binary and the Python peers.
public enum TestEnvironment {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Data/`: files the tests read (the Parquet conformance corpus, with its license), kept in the
    /// repository so a clone alone runs the suite.
    public static let testData: URL = packageRoot.appendingPathComponent("Tests/Data")

    /// A file under `Tests/Data/`.
    public static func testData(_ relativePath: String) -> String {
        testData.appendingPathComponent(relativePath).path
    }

    /// The `kite` binary built by `swift build` (debug), or `KITE_BINARY`.
    public static var kiteBinary: String {
        ProcessInfo.processInfo.environment["KITE_BINARY"]
            ?? packageRoot.appendingPathComponent(".build/debug/kite").path
    }

    /// The Python interpreter of the peers' virtual environment that `scripts/test` makes.
    public static var python: String {
        ProcessInfo.processInfo.environment["KITE_TEST_PYTHON"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/kite/venv/bin/python").path
    }

    /// A peer script under `Tests/peers/`.
    public static func peerScript(_ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/peers/\(name)").path
    }
}

/// A finished child process's exit status and output.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String
}

/// Runs programs for tests.
public enum Subprocess {
    /// Runs `executable` with `arguments` and waits; output is captured whole.
    public static func run(
        _ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        // Read both pipes concurrently so a full pipe cannot block the child.
        let errorData = LockedData()
        let errorReader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        return ProcessResult(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.value, as: UTF8.self))
    }

    /// `run` for async tests: the wait happens on a thread of its own, so a test whose child process calls back
    /// into an in-process server does not hold one of Swift's few cooperative threads while the server needs it.
    public static func run(
        _ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]
    ) async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try run(executable, arguments, input: input, environment: environment) as ProcessResult }) }.start()
        }
    }

    /// Runs a peer script with the peers' Python; a non-zero exit is an error carrying its standard error.
    public static func python(_ script: String, _ arguments: [String]) throws -> String {
        let result = try run(TestEnvironment.python, [TestEnvironment.peerScript(script)] + arguments)
        guard result.status == 0 else {
            throw KiteError(
                .io, "\(script) \(arguments.joined(separator: " ")) failed (\(result.status)); run scripts/test to install the peers:\n\(result.standardError)")
        }
        return result.standardOutput
    }

    private final class LockedData: @unchecked Sendable {
        private let lock = NSLock()
        private var data: Data?
        func set(_ value: Data) { lock.withLock { data = value } }
        var isSet: Bool { lock.withLock { data != nil } }
        var value: Data { lock.withLock { data ?? Data() } }
    }
}

/// A folder that exists for one test and is removed afterwards.
public final class TemporaryDirectory: @unchecked Sendable {
    /// The folder's path.
    public let path: String

    /// Creates a fresh folder under the system's temporary directory.
    public init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kite-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    /// A path inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }

    /// The little-endian float64 values of file `name` in the folder, as a peer writes them (numpy's `tofile`).
    public func float64s(_ name: String) throws -> [Double] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file(name)))
        return data.withUnsafeBytes { bytes in
            (0..<data.count / 8).map { Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The services `scripts/test` starts for the suite (on loopback, stopped when it exits).
public enum TestServices {
    /// The S3-compatible server's URL (moto), from `KITE_TEST_S3_ENDPOINT`.
    public static func s3Endpoint() throws -> String {
        guard let endpoint = ProcessInfo.processInfo.environment["KITE_TEST_S3_ENDPOINT"], !endpoint.isEmpty else {
            throw KiteError(.unavailable, "KITE_TEST_S3_ENDPOINT is not set: run the tests with scripts/test, which starts a moto S3 server")
        }
        return endpoint
    }

    /// A bucket name no other test uses.
    public static func uniqueBucket(_ purpose: String) -> String {
        "kite-\(purpose)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

extension TestServices {
    /// A fresh, empty database on the PostgreSQL cluster `scripts/test` starts (`KITE_TEST_POSTGRES_URL`), as a
    /// `postgres://` URL; each call makes a new one so tests do not share tables.
    public static func postgresDatabase() throws -> String {
        guard let server = ProcessInfo.processInfo.environment["KITE_TEST_POSTGRES_URL"], !server.isEmpty else {
            throw KiteError(.unavailable, "KITE_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts a PostgreSQL cluster")
        }
        let name = "kite_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        let psql = ProcessInfo.processInfo.environment["KITE_TEST_PSQL"] ?? "/usr/bin/psql"
        let result = try Subprocess.run(psql, [server, "-v", "ON_ERROR_STOP=1", "-q", "-c", "CREATE DATABASE \(name)"])
        guard result.status == 0 else { throw KiteError(.io, "cannot create a test database: \(result.standardError)") }
        guard let slash = server.lastIndex(of: "/"), server[..<slash].hasSuffix("//") == false else {
            throw KiteError.invalidArgument("KITE_TEST_POSTGRES_URL '\(server)' names no database")
        }
        return server[..<slash] + "/" + name
    }
}

extension TestServices {
    /// The Redis server `scripts/test` starts (`KITE_TEST_REDIS_URL`).
    public static func redisURL() throws -> String { try variable("KITE_TEST_REDIS_URL", "a Redis server") }

    /// The Redis Cluster `scripts/test` starts (`KITE_TEST_REDIS_CLUSTER_URL`, `redis+cluster://…` with its six nodes).
    public static func redisClusterURL() throws -> String { try variable("KITE_TEST_REDIS_CLUSTER_URL", "a Redis Cluster") }

    /// The Python of the virtual environment with Feast's SDK (`KITE_TEST_FEAST_PYTHON`), kept apart from the other
    /// peers because Feast pins its own versions of pyarrow and pandas.
    public static func feastPython() throws -> String { try variable("KITE_TEST_FEAST_PYTHON", "Feast's SDK") }

    /// The Python of the virtual environment with Evidently and NannyML (`KITE_TEST_MONITOR_PYTHON`).
    public static func monitorPython() throws -> String { try variable("KITE_TEST_MONITOR_PYTHON", "Evidently and NannyML") }

    /// The `airflow` command of Airflow's own virtual environment (`KITE_TEST_AIRFLOW`).
    public static func airflow() throws -> String { try variable("KITE_TEST_AIRFLOW", "Airflow") }

    /// The script that starts (or restarts) a Redis node on a port (`KITE_TEST_REDIS_START_NODE`).
    public static func redisStartNode() throws -> String { try variable("KITE_TEST_REDIS_START_NODE", "Redis") }

    private static func variable(_ name: String, _ what: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw KiteError(.unavailable, "\(name) is not set: run the tests with scripts/test, which starts \(what)")
        }
        return value
    }
}
