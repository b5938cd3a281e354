import Foundation
import KiteCore
import KiteTesting
import Logging
import ObjectStorage
import Testing

/// One backend-agnostic suite, run against a local folder and against a real S3-compatible server (moto).
@Suite struct ObjectStoreContractTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case local, s3
        var testDescription: String { rawValue }
    }

    /// Runs `body` with a fresh, empty store of the backend and a temporary folder.
    static func withStore(_ backend: Backend, partSize: Int = 5 << 20, _ body: (any ObjectStore, TemporaryDirectory) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        switch backend {
        case .local:
            try await body(try LocalObjectStore(root: directory.file("store"), create: true), directory)
        case .s3:
            try await Self.withS3(partSize: partSize) { client in
                let store = try S3ObjectStore(bucket: TestServices.uniqueBucket("contract"), client: client)
                try await store.createBucket()
                try await body(store, directory)
            }
        }
    }

    /// Runs `body` with a client of the test S3 server (moto).
    static func withS3<T>(partSize: Int = 5 << 20, _ body: (S3Client) async throws -> T) async throws -> T {
        try await S3Client.with(configuration: try s3Configuration(partSize: partSize), logger: Logger(label: "test.s3"), body)
    }

    static func s3Configuration(partSize: Int = 5 << 20) throws -> S3Configuration {
        var configuration = S3Configuration()
        configuration.endpoint = try TestServices.s3Endpoint()
        configuration.credentials = .init(accessKeyID: "testing", secretAccessKey: "testing")
        configuration.partSize = partSize
        return configuration
    }

    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test(arguments: Backend.allCases)
    func putGetHeadDelete(backend: Backend) async throws {
        try await Self.withStore(backend) { store, _ in
            let bytes = Self.random(10_000, seed: 1)
            try await store.put("folder/file.bin", bytes: bytes)
            #expect(try await store.get("folder/file.bin") == bytes)
            let info = try await store.head("folder/file.bin")
            #expect(info.size == 10_000 && info.key == "folder/file.bin" && !info.etag.isEmpty && info.lastModified > 0)
            #expect(try await store.get("folder/file.bin", range: 100..<250) == Array(bytes[100..<250]))
            #expect(try await store.get("folder/file.bin", range: 9_990..<10_000) == Array(bytes[9_990...]))
            try await store.put("folder/file.bin", bytes: [1, 2, 3])
            #expect(try await store.get("folder/file.bin") == [1, 2, 3])
            try await store.put("empty", bytes: [])
            #expect(try await store.get("empty") == [])
            try await store.delete("folder/file.bin")
            try await store.delete("folder/file.bin")
            await #expect { try await store.get("folder/file.bin") } throws: { error in
                let error = error as? KiteError
                return error?.code == .notFound && error?.cause == "NoSuchKey"
            }
            await #expect { try await store.head("never/there") } throws: { ($0 as? KiteError)?.code == .notFound }
            await #expect(throws: KiteError.self) { try await store.get("empty-not", range: 0..<1) }
        }
    }

    @Test(arguments: Backend.allCases)
    func rangeOutsideTheObjectIsAnError(backend: Backend) async throws {
        try await Self.withStore(backend) { store, _ in
            try await store.put("small", bytes: [1, 2, 3, 4])
            await #expect(throws: KiteError.self) { try await store.get("small", range: 2..<10) }
            await #expect(throws: KiteError.self) { try await store.get("small", range: 10..<12) }
        }
    }

    @Test(arguments: Backend.allCases)
    func listsWithPrefixAndDelimiter(backend: Backend) async throws {
        try await Self.withStore(backend) { store, _ in
            for key in ["a/1", "a/2", "a/b/3", "c", "ab"] { try await store.put(key, bytes: Array(key.utf8)) }
            let underA = try await store.list(prefix: "a/").collect()
            #expect(underA.map(Self.name) == ["a/1", "a/2", "a/b/3"])
            let top = try await store.list(prefix: "", delimiter: "/").collect()
            #expect(top.map(Self.name) == ["a/", "ab", "c"])
            let nested = try await store.list(prefix: "a/", delimiter: "/").collect()
            #expect(nested.map(Self.name) == ["a/1", "a/2", "a/b/"])
            if case .object(let info) = underA[0] { #expect(info.size == 3) }
        }
    }

    static func name(_ entry: ObjectListEntry) -> String {
        switch entry {
        case .object(let info): info.key
        case .commonPrefix(let prefix): prefix
        }
    }

    @Test(arguments: Backend.allCases)
    func listsThousandsOfKeysAcrossPages(backend: Backend) async throws {
        try await Self.withStore(backend) { store, _ in
            let keys = (0..<2_500).map { String(format: "many/key-%05d", $0) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, key) in keys.enumerated() {
                    if index >= 16 { try await group.next() }
                    group.addTask { try await store.put(key, bytes: [UInt8(index % 256)]) }
                }
                try await group.waitForAll()
            }
            var seen: [String] = []
            for try await entry in store.list(prefix: "many/") { seen.append(Self.name(entry)) }
            #expect(seen == keys)
        }
    }

    @Test(arguments: Backend.allCases)
    func multipartUploadOfTwentyMebibytes(backend: Backend) async throws {
        try await Self.withStore(backend) { store, directory in
            let bytes = Self.random(20 << 20, seed: 20)
            try await store.put("big/direct.bin", bytes: bytes)
            #expect(try await store.get("big/direct.bin") == bytes)
            let file = directory.file("upload.bin")
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            try await store.put("big/from-file.bin", file: file)
            #expect(try await store.head("big/from-file.bin").size == bytes.count)
            #expect(try await store.get("big/from-file.bin", range: (15 << 20)..<((15 << 20) + 1000)) == Array(bytes[(15 << 20)..<((15 << 20) + 1000)]))
            let downloaded = directory.file("download.bin")
            try await store.download("big/from-file.bin", toFile: downloaded)
            #expect(try Data(contentsOf: URL(fileURLWithPath: downloaded)) == Data(bytes))
        }
    }

    @Test(arguments: Backend.allCases)
    func abortedSinkLeavesNothing(backend: Backend) async throws {
        try await Self.withStore(backend) { store, _ in
            try await store.put("kept", bytes: [9])
            var sink = try await store.makeSink(for: "kept")
            try await sink.write(Self.random(12 << 20, seed: 3))
            await sink.abort()
            #expect(try await store.get("kept") == [9])
            var fresh = try await store.makeSink(for: "never")
            try await fresh.write([1, 2, 3])
            await fresh.abort()
            await #expect(throws: KiteError.self) { try await store.head("never") }
            #expect(try await store.list(prefix: "").collect().map(Self.name) == ["kept"])
        }
    }

    @Test(arguments: Backend.allCases)
    func copyAndRename(backend: Backend) async throws {
        try await Self.withStore(backend) { store, _ in
            try await store.put("src/a", bytes: [1, 2, 3])
            try await store.copy(from: "src/a", to: "dst/b")
            #expect(try await store.get("dst/b") == [1, 2, 3])
            try await store.rename(from: "dst/b", to: "moved/c")
            #expect(try await store.get("moved/c") == [1, 2, 3])
            await #expect(throws: KiteError.self) { try await store.head("dst/b") }
            await #expect(throws: KiteError.self) { try await store.copy(from: "missing", to: "x") }
        }
    }
}
