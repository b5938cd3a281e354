import Foundation
import KiteCore
import KiteTesting
import Testing

@testable import Parquet

/// The building blocks against their own inverses, on data chosen to hit their edge cases.
@Suite struct EncodingTests {
    static func samples() -> [[UInt8]] {
        var random = SeededGenerator(seed: 11)
        let text = Array(String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 3000).utf8)
        return [
            [], [7], Array(repeating: 0, count: 100_000), Array(text),
            (0..<70_000).map { _ in UInt8(truncatingIfNeeded: random.next()) },
            (0..<200_000).map { UInt8($0 % 251) }, Array(text.prefix(15)), Array(text.prefix(16)),
        ]
    }

    @Test func snappyRoundTrips() throws {
        for sample in Self.samples() {
            let compressed = sample.withUnsafeBytes { Snappy.compress($0) }
            let back = try compressed.withUnsafeBytes { try Snappy.decompress($0, expectedSize: sample.count) }
            #expect(back == sample)
            if sample.count > 1000 && Set(sample).count < 60 { #expect(compressed.count < sample.count / 4) }
        }
    }

    @Test func snappyRejectsLies() {
        let compressed = Array("hello world hello world".utf8).withUnsafeBytes { Snappy.compress($0) }
        #expect(throws: KiteError.self) { try compressed.withUnsafeBytes { try Snappy.decompress($0, expectedSize: 5) } }
        // A copy reaching before the start of the output.
        #expect(throws: KiteError.self) { try [4, 0b0000_0001, 9].withUnsafeBytes { try Snappy.decompress($0, expectedSize: 4) } }
    }

    @Test func gzipReadsConcatenatedMembers() throws {
        let first = try Array("hello, ".utf8).withUnsafeBytes { try Gzip.compress($0) }
        let second = try Array("world".utf8).withUnsafeBytes { try Gzip.compress($0) }
        let joined = first + second
        let back = try joined.withUnsafeBytes { try Gzip.decompress($0, expectedSize: 12) }
        #expect(String(decoding: back, as: UTF8.self) == "hello, world")
        #expect(throws: KiteError.self) { try joined.withUnsafeBytes { try Gzip.decompress($0, expectedSize: 7) } }
        #expect(throws: KiteError.self) { try Array(joined.dropLast(3)).withUnsafeBytes { try Gzip.decompress($0, expectedSize: 12) } }
    }

    @Test(arguments: [1, 2, 5, 10, 17, 32])
    func rleHybridRoundTrips(bitWidth: Int) throws {
        var random = SeededGenerator(seed: UInt64(bitWidth))
        let limit = bitWidth == 32 ? UInt64(UInt32.max) : (1 << UInt64(bitWidth)) - 1
        var values: [UInt32] = []
        for block in 0..<200 {
            let length = Int(random.next() % 40) + 1
            if block % 3 == 0 {
                values += Array(repeating: UInt32(random.next() % (limit + 1)), count: length)
            } else {
                values += (0..<length).map { _ in UInt32(random.next() % (limit + 1)) }
            }
        }
        var encoder = RLEHybridEncoder(bitWidth: bitWidth)
        encoder.encode(values)
        var decoder = try RLEHybridDecoder(encoder.bytes, range: 0..<encoder.bytes.count, bitWidth: bitWidth)
        #expect(try decoder.decode(count: values.count) == values)
    }

    @Test func thriftSkipsUnknownFieldsAndRejectsDeepNesting() throws {
        var writer = ThriftCompactWriter()
        writer.writeStruct { w in
            w.field(1, i32: 3)
            w.field(2, i32: 100)
            w.field(3, i32: 200)
            w.field(40, struct: { $0.field(1, string: "unknown to the reader") })
            w.field(
                5,
                struct: { w in
                    w.field(1, i32: 100)
                    w.field(2, i32: 0)
                    w.field(3, i32: 3)
                    w.field(4, i32: 3)
                })
        }
        var reader = ThriftCompactReader(writer.bytes)
        let header = try PageHeader.decode(&reader)
        #expect(header.type == .dataPageV2 && header.uncompressedSize == 100)
        #expect(header.compressedSize == 200 && header.valueCount == 100)
        let deep = [UInt8](repeating: 0x1c, count: 500) + [UInt8](repeating: 0, count: 500)
        var deepReader = ThriftCompactReader(deep)
        #expect(throws: KiteError.self) { try PageHeader.decode(&deepReader) }
    }

    @Test func dictionaryFallsBackToPlainForHighCardinality() async throws {
        let directory = try TemporaryDirectory()
        let rows = 400_000
        let frame = try DataFrame([
            ("unique", .int64s((0..<rows).map { Int64($0) * 7919 })),
            ("few", .strings((0..<rows).map { "v\($0 % 100)" })),
        ])
        let path = directory.file("dict.parquet")
        try await ParquetWriter.write(frame, to: path)
        let reader = try await ParquetReader(path: path)
        let chunks = reader.metadata.rowGroups[0].columns
        #expect(!chunks[0].encodings.contains(.rleDictionary))
        #expect(chunks[1].encodings.contains(.rleDictionary))
        #expect(chunks[1].totalCompressedSize < rows)
        #expect(PeerValue.rows(of: try await reader.read()) == PeerValue.rows(of: frame))
    }

    /// A column whose first values are nearly all distinct is written PLAIN even when its dictionary would fit the
    /// page limit (ids, times, scores: a dictionary as large as the values); one with enough repeats keeps it.
    @Test func nearlyUniqueColumnsSkipTheDictionary() async throws {
        let directory = try TemporaryDirectory()
        let rows = 10_000
        let frame = try DataFrame([
            ("ids", .strings((0..<rows).map { "request-\($0)" })),
            ("scores", .float64s((0..<rows).map { Double($0) / 3 })),
            ("repeats", .float64s((0..<rows).map { Double($0 % 3_000) })),
            ("short", .int64s((0..<1_000).map { Int64($0) } + Array(repeating: 1, count: rows - 1_000))),
        ])
        let path = directory.file("unique.parquet")
        try await ParquetWriter.write(frame, to: path)
        let reader = try await ParquetReader(path: path)
        let dictionary = reader.metadata.rowGroups[0].columns.map { $0.encodings.contains(.rleDictionary) }
        #expect(dictionary == [false, false, true, true])
        #expect(PeerValue.rows(of: try await reader.read()) == PeerValue.rows(of: frame))
    }
}
