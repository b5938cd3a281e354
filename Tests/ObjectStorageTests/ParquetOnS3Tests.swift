import Foundation
import KiteCore
import KiteTesting
import Logging
import ObjectStorage
import Parquet
import Testing

/// Parquet straight to and from S3: Kite writes through a multipart sink and reads with ranged GETs; pyarrow
/// reads and writes the same objects through its own S3 filesystem.
@Suite struct ParquetOnS3Tests {
    static func frame(rows: Int) throws -> DataFrame {
        try DataFrame([
            ("id", .int64s((0..<rows).map { Int64($0) })),
            ("score", .float64s((0..<rows).map { $0 % 7 == 0 ? nil : Double($0) / 3 })),
            ("name", .strings((0..<rows).map { "n\($0 % 97)" })),
            ("at", .timestamps((0..<rows).map { 1_700_000_000_000_000 + Int64($0) * 1_000_000 })),
        ])
    }

    @Test func kiteWritesToS3AndPyarrowReads() async throws {
        try await ObjectStoreContractTests.withS3 { client in
            let store = try S3ObjectStore(bucket: TestServices.uniqueBucket("parquet"), client: client)
            try await store.createBucket()
            let frame = try Self.frame(rows: 300_000)
            var configuration = ParquetWriter.Configuration()
            configuration.rowGroupSize = 100_000
            configuration.compression = .uncompressed  // large enough to take the multipart path
            let writer = try await ParquetWriter(sink: try await store.makeSink(for: "data/frame.parquet"), schema: frame.schema, configuration: configuration)
            try await writer.write(frame)
            try await writer.close()
            #expect(try await store.head("data/frame.parquet").size > 5 << 20)

            let peer = try PeerValue.parsePeerTable(
                try Subprocess.python("parquet_peer.py", ["dump", "s3://\(store.bucket)/data/frame.parquet"]))
            #expect(peer.names == frame.schema.names)
            #expect(peer.rows == PeerValue.rows(of: frame))

            // Kite reads it back with ranged GETs, one row group and a projection at a time.
            let reader = try await ParquetReader(source: try await ObjectStoreSource(store: store, key: "data/frame.parquet"))
            #expect(reader.rowGroupCount == 3)
            let middle = try await reader.readRowGroup(1, columns: ["name", "id"])
            #expect(PeerValue.rows(of: middle) == PeerValue.rows(of: try frame.slice(100_000..<200_000).select(["name", "id"])))
        }
    }

    @Test func pyarrowWritesToS3AndKiteReads() async throws {
        try await ObjectStoreContractTests.withS3 { client in
            let store = try S3ObjectStore(bucket: TestServices.uniqueBucket("pyarrow"), client: client)
            try await store.createBucket()
            let url = "s3://\(store.bucket)/from-pyarrow.parquet"
            _ = try Subprocess.python("parquet_peer.py", ["write", url, "smallpages", "5000"])
            let frame = try await ParquetReader(source: try await ObjectStoreSource(store: store, key: "from-pyarrow.parquet")).read()
            let peer = try PeerValue.parsePeerTable(try Subprocess.python("parquet_peer.py", ["dump", url]))
            #expect(frame.rowCount == 5000)
            #expect(PeerValue.rows(of: frame) == peer.rows)
        }
    }
}
