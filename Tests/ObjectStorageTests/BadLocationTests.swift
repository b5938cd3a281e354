import Foundation
import KiteCore
import KiteTesting
import Logging
import ObjectStorage
import Testing

/// Keys that try to leave the store, malformed URLs and unreachable servers give clear errors.
@Suite struct BadLocationTests {
    @Test(arguments: ["../outside", "a/../../outside", "/etc/passwd", "a//b", "./a", "a/./b", "", "a/\0b", "dir/.."])
    func traversalIsRefused(key: String) async throws {
        let directory = try TemporaryDirectory()
        let store = try LocalObjectStore(root: directory.file("root"), create: true)
        await #expect(throws: KiteError.self) { try await store.put(key, bytes: [1]) }
        await #expect(throws: KiteError.self) { try await store.get(key) }
        #expect(!FileManager.default.fileExists(atPath: directory.file("outside")))
    }

    @Test func symbolicLinksOutOfTheRootAreRefused() async throws {
        let directory = try TemporaryDirectory()
        let store = try LocalObjectStore(root: directory.file("root"), create: true)
        try FileManager.default.createDirectory(atPath: directory.file("secret"), withIntermediateDirectories: true)
        try "do not read".write(toFile: directory.file("secret/file"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory.file("root/link"), withDestinationPath: directory.file("secret"))
        await #expect { try await store.get("link/file") } throws: { ($0 as? KiteError)?.code == .permissionDenied }
        await #expect { try await store.put("link/new", bytes: [1]) } throws: { ($0 as? KiteError)?.code == .permissionDenied }
        #expect(!FileManager.default.fileExists(atPath: directory.file("secret/new")))
        // A link that stays inside the root is fine.
        try await store.put("real/x", bytes: [7])
        try FileManager.default.createSymbolicLink(atPath: directory.file("root/alias"), withDestinationPath: directory.file("root/real"))
        #expect(try await store.get("alias/x") == [7])
    }

    @Test(arguments: ["s3://", "s3://ab/key", "s3://Bad_Bucket!/x", "file://host/path", "ftp://server/file", "file:", ""])
    func malformedURLsAreRejected(url: String) {
        #expect(throws: KiteError.self) { try ObjectStores.open(url) }
    }

    @Test func wellFormedURLsParse() throws {
        #expect(try ObjectLocation("s3://my-bucket/a/b.parquet") == .s3(bucket: "my-bucket", key: "a/b.parquet"))
        #expect(try ObjectLocation("file:data/x.parquet") == .file(path: "data/x.parquet"))
        #expect(try ObjectLocation("file:///tmp/x") == .file(path: "/tmp/x"))
        #expect(try ObjectLocation("relative/x.csv") == .file(path: "relative/x.csv"))
        #expect(throws: KiteError.self) { try ObjectStores.open("s3://bucket-only") }
        var environment = ["AWS_ENDPOINT_URL": "localhost:9000"]
        #expect(throws: KiteError.self) { try S3Configuration(environment: environment) }
        environment = ["AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_REGION": "eu-west-3", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"]
        let configuration = try S3Configuration(environment: environment)
        #expect(configuration.region == "eu-west-3" && configuration.credentials?.accessKeyID == "k")
    }

    @Test func unreachableEndpointFailsClearly() async throws {
        var configuration = S3Configuration()
        configuration.endpoint = "http://127.0.0.1:1"
        configuration.credentials = .init(accessKeyID: "testing", secretAccessKey: "testing")
        configuration.maxAttempts = 2
        try await S3Client.with(configuration: configuration, logger: Logger(label: "test.s3")) { client in
            let store = try S3ObjectStore(bucket: "nowhere", client: client)
            await #expect {
                try await store.get("x")
            } throws: { error in
                let error = error as? KiteError
                return error?.code == .unavailable && error?.message.contains("127.0.0.1:1") == true
                    && error?.message.contains("after 2 attempts") == true
            }
        }
    }

    /// A server that never accepts (its backlog full, so connections hang) fails on the connect timeout, not on
    /// the longer request timeout: the client takes `connectTimeoutSeconds` from the configuration.
    @Test func connectTimeoutIsHonoured() async throws {
        let listener = try StalledListener()
        defer { listener.close() }
        var configuration = S3Configuration()
        configuration.endpoint = "http://127.0.0.1:\(listener.port)"
        configuration.credentials = .init(accessKeyID: "testing", secretAccessKey: "testing")
        configuration.connectTimeoutSeconds = 1
        configuration.requestTimeoutSeconds = 3
        configuration.maxAttempts = 1
        try await S3Client.with(configuration: configuration, logger: Logger(label: "test.s3")) { client in
            let store = try S3ObjectStore(bucket: "stalled", client: client)
            await #expect {
                try await store.get("x")
            } throws: { error in
                let error = error as? KiteError
                return error?.code == .unavailable && error?.cause?.contains("connectTimeout") == true
            }
        }
    }

    @Test func s3ErrorsKeepS3sCode() async throws {
        let configuration = try ObjectStoreContractTests.s3Configuration()
        try await S3Client.with(configuration: configuration, logger: Logger(label: "test.s3")) { client in
            let store = try S3ObjectStore(bucket: TestServices.uniqueBucket("codes"), client: client)
            try await store.createBucket()
            await #expect {
                try await store.get("missing-key")
            } throws: { error in
                let error = error as? KiteError
                return error?.code == .notFound && error?.cause == "NoSuchKey" && error?.message.contains("missing-key") == true
            }
            let missingBucket = try S3ObjectStore(bucket: TestServices.uniqueBucket("absent"), client: client)
            await #expect {
                try await missingBucket.put("k", bytes: [1])
            } throws: { error in
                (error as? KiteError)?.cause == "NoSuchBucket"
            }
        }
    }
}
