import Foundation
import KiteCore
import KiteTesting
import Parquet
import Testing

/// Hostile and damaged files give a `KiteError`, never a crash, hang or huge allocation.
@Suite struct BadInputTests {
    /// Reads everything a file holds; any error must be a `KiteError`.
    static func readAll(_ bytes: [UInt8]) async -> (any Error)? {
        do {
            let reader = try await ParquetReader(source: MemorySource(bytes))
            let readable = reader.columns.filter { $0.dataType != nil }.map(\.name)
            for group in 0..<reader.rowGroupCount {
                _ = try await reader.readRowGroup(group, columns: readable)
            }
            for group in 0..<reader.rowGroupCount {
                for column in reader.columns { _ = reader.statistics(rowGroup: group, column: column) }
            }
            return nil
        } catch {
            return error
        }
    }

    static func seedFiles() async throws -> [(String, [UInt8])] {
        var seeds: [(String, [UInt8])] = []
        for name in [
            "alltypes_plain.snappy.parquet", "delta_byte_array.parquet", "datapage_v2.snappy.parquet",
            "delta_binary_packed.parquet", "rle_boolean_encoding.parquet", "nulls.snappy.parquet",
            "byte_stream_split_extended.gzip.parquet",
        ] {
            let data = try Data(contentsOf: URL(fileURLWithPath: ConformanceTests.path(name)))
            seeds.append((name, Array(data)))
        }
        let frame = try InteropTests.allTypes(rows: 300)
        var configuration = ParquetWriter.Configuration()
        configuration.dataPageRowLimit = 50
        seeds.append(("kite", try await Self.kiteFile(frame, configuration)))
        return seeds
    }

    static func kiteFile(_ frame: DataFrame, _ configuration: ParquetWriter.Configuration) async throws -> [UInt8] {
        let directory = try TemporaryDirectory()
        let path = directory.file("seed.parquet")
        try await ParquetWriter.write(frame, to: path, configuration: configuration)
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test(arguments: ["PARQUET-1481.parquet", "ARROW-RS-GH-6229-LEVELS.parquet"])
    func badDataIsRejected(name: String) async throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: ConformanceTests.path("bad_data/\(name)"))))
        // Every column, nested ones included: Kite must refuse the file with an error of its own.
        await #expect(throws: KiteError.self) {
            try await ParquetReader(source: MemorySource(bytes)).read()
        }
    }

    /// A damaged page is reported with the file and the column it is in.
    @Test func damagedPagesNameFileAndColumn() async throws {
        let path = ConformanceTests.path("datapage_v1-corrupt-checksum.parquet")
        do {
            _ = try await ParquetReader(path: path).read()
            Issue.record("a page with a wrong checksum was read")
        } catch let error as KiteError {
            #expect(error.message.hasPrefix("\(path): column 'a': page checksum mismatch"), "\(error.message)")
        }
        // A Snappy block that refers outside itself: the codec's message, prefixed by where it is.
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: ConformanceTests.path("alltypes_plain.snappy.parquet"))))
        let reader = try await ParquetReader(source: MemorySource(bytes))
        let chunk = reader.metadata.rowGroups[0].columns[0].byteRange
        for index in (chunk.upperBound - 8)..<chunk.upperBound { bytes[index] = 0xFF }
        do {
            _ = try await ParquetReader(source: MemorySource(bytes)).read()
            Issue.record("a damaged Snappy page was read")
        } catch let error as KiteError {
            #expect(error.message.contains("column 'id': "), "\(error.message)")
        }
    }

    /// A `_metadata` summary opens, and reading its columns names the file that holds them.
    @Test func chunksInAnotherFileAreNamed() async throws {
        let directory = try TemporaryDirectory()
        _ = try Subprocess.python("parquet_peer.py", ["summary", directory.path])
        let reader = try await ParquetReader(path: directory.file("_metadata"))
        #expect(reader.rowCount == 10)
        await #expect {
            try await reader.read(columns: ["i64"])
        } throws: { error in
            let error = error as? KiteError
            return error?.code == .unsupported && error?.message.contains("part-0.parquet") == true
        }
        #expect(try await ParquetReader(path: directory.file("part-0.parquet")).read().rowCount == 10)
    }

    @Test func notParquetAtAll() async throws {
        for bytes: [UInt8] in [
            [], Array("PAR1".utf8), Array("hello, world, this is not parquet".utf8),
            Array("PAR1PAR1PAR1".utf8), Array("PAR1\u{0}\u{0}\u{0}\u{0}PAR1".utf8),
        ] {
            #expect(await Self.readAll(bytes) is KiteError)
        }
        await #expect(throws: KiteError.self) { try await ParquetReader(path: "/nonexistent/file.parquet") }
    }

    @Test func everyTruncationFails() async throws {
        for (name, bytes) in try await Self.seedFiles() {
            let step = Swift.max(1, bytes.count / 400)
            for length in stride(from: 0, to: bytes.count, by: step) {
                let error = await Self.readAll(Array(bytes[..<length]))
                #expect(error is KiteError, "\(name) cut to \(length) bytes: \(String(describing: error))")
            }
        }
    }

    /// Thousands of mutated files (flipped bits, overwritten bytes, focused on the footer and page headers).
    @Test func mutatedFilesNeverCrash() async throws {
        var random = SeededGenerator(seed: 2026)
        var outcomes = (errors: 0, successes: 0)
        for (name, original) in try await Self.seedFiles() {
            for round in 0..<500 {
                var bytes = original
                let footerStart = Swift.max(0, bytes.count - 8 - Int(UInt32(bytes[bytes.count - 8]) | UInt32(bytes[bytes.count - 7]) << 8))
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    let position: Int
                    switch random.next() % 3 {
                    case 0: position = footerStart + Int(random.next() % UInt64(bytes.count - footerStart))
                    case 1: position = 4 + Int(random.next() % UInt64(Swift.min(200, bytes.count - 4)))
                    default: position = Int(random.next() % UInt64(bytes.count))
                    }
                    if round % 2 == 0 {
                        bytes[position] ^= UInt8(1 << (random.next() % 8))
                    } else {
                        bytes[position] = UInt8(truncatingIfNeeded: random.next())
                    }
                }
                if let error = await Self.readAll(bytes) {
                    #expect(error is KiteError, "\(name) mutation \(round): \(error)")
                    outcomes.errors += 1
                } else {
                    outcomes.successes += 1
                }
            }
        }
        // Both outcomes happen: mutations in values decode, mutations in structure are caught.
        #expect(outcomes.errors > 500)
        #expect(outcomes.successes > 100)
    }
}
