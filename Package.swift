// swift-tools-version: 6.2
import PackageDescription

/// One set of Swift settings for every target (see ../shared/DESIGN.md, Conventions).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "kite",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kite", targets: ["kite"]),
        .library(name: "KiteCore", targets: ["KiteCore"]),
        .library(name: "Parquet", targets: ["Parquet"]),
        .library(name: "ObjectStorage", targets: ["ObjectStorage"]),
        .library(name: "Redis", targets: ["Redis"]),
        .library(name: "Features", targets: ["Features"]),
        .library(name: "Registry", targets: ["Registry"]),
        .library(name: "Learning", targets: ["Learning"]),
        .library(name: "Serving", targets: ["Serving"]),
        .library(name: "ABTesting", targets: ["ABTesting"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Monitoring", targets: ["Monitoring"]),
        .library(name: "KiteServer", targets: ["KiteServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .target(name: "CIntrinsics"),
        .target(name: "KiteCore", dependencies: ["CIntrinsics"], swiftSettings: swiftSettings),
        .target(
            name: "Parquet",
            dependencies: [
                "KiteCore",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ObjectStorage",
            dependencies: [
                "KiteCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Redis",
            dependencies: [
                "KiteCore", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Features",
            dependencies: [
                "KiteCore", "Parquet", "ObjectStorage", "Registry", "Redis", .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Optimized in debug builds too: its tests train on and score hundreds of thousands of rows, and TreeSHAP's
        // recursion runs a hundred times slower unoptimized.
        .target(name: "Learning", dependencies: ["KiteCore"], swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(
            name: "Registry",
            dependencies: [
                "KiteCore", "ObjectStorage", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Serving",
            dependencies: [
                "KiteCore", "Parquet", "ObjectStorage", "Features", "Learning", "Registry", "ABTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "ABTesting", dependencies: ["KiteCore", "Parquet", "ObjectStorage", "Learning", "Registry"], swiftSettings: swiftSettings),
        .target(
            name: "Pipelines",
            dependencies: [
                "KiteCore", "Features", "Registry", "ObjectStorage", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "Monitoring",
            dependencies: [
                "KiteCore", "Parquet", "ObjectStorage", "Registry", "Learning", "Features", "ABTesting", "Serving",
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "Training",
            dependencies: ["KiteCore", "Parquet", "ObjectStorage", "Features", "Learning", "Registry", "Serving"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KiteServer",
            dependencies: [
                "KiteCore", "ObjectStorage", "Registry", "Features", "Learning", "Serving", "ABTesting", "Pipelines", "Monitoring",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"), .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KiteCLI",
            dependencies: [
                "KiteCore", "Parquet", "ObjectStorage", "Features", "Registry", "KiteServer", "Learning", "Serving", "Training", "ABTesting",
                "Pipelines", "Monitoring", .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "kite", dependencies: ["KiteCLI", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swiftSettings),
        .target(name: "KiteTesting", dependencies: ["KiteCore"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "KiteBench",
            dependencies: ["KiteCore", "Parquet", "ObjectStorage", "Features", "Learning", .product(name: "Logging", package: "swift-log")],
            path: "bench/Sources/KiteBench",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "KiteCoreTests", dependencies: ["KiteCore", "KiteTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ParquetTests",
            dependencies: ["KiteCore", "Parquet", "KiteTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ObjectStorageTests",
            dependencies: ["KiteCore", "ObjectStorage", "Parquet", "KiteTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FeaturesTests",
            dependencies: ["KiteCore", "Features", "Parquet", "ObjectStorage", "KiteTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RegistryTests",
            dependencies: ["KiteCore", "Registry", "KiteTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RedisTests",
            dependencies: [
                "KiteCore", "Redis", "KiteTesting", .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "LearningTests", dependencies: ["KiteCore", "Learning", "KiteTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PipelinesTests", dependencies: ["Pipelines", "KiteCore", "KiteTesting", "Registry", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ABTestingTests",
            dependencies: ["ABTesting", "KiteCore", "KiteTesting", "ObjectStorage", "Parquet", "Registry", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .testTarget(name: "MonitoringTests", dependencies: ["Monitoring", "KiteCore", "KiteTesting", "Parquet"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KiteServerTests",
            dependencies: [
                "KiteCore", "Registry", "KiteServer", "KiteTesting", "ObjectStorage", "Features", "Learning", "Serving", "Training", "ABTesting",
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KiteCLITests",
            dependencies: [
                "KiteCore", "Parquet", "Registry", "Learning", "Training", "ObjectStorage", "KiteTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
