import CompressNIO
import KiteCore
import NIOCore

/// GZIP for pages, through zlib (compress-nio); reads concatenated members as one stream.
enum Gzip {
    /// Inflates `input` into exactly `expectedSize` bytes. Each member's trailer (CRC-32 and size) is checked, so a
    /// truncated or altered stream is an error rather than silently short.
    static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int) throws -> [UInt8] {
        var source = ByteBuffer(bytes: input)
        var output = ByteBufferAllocator().buffer(capacity: Swift.max(expectedSize, 1))
        do {
            let inflater = try ZlibDecompressor(algorithm: .gzip)
            while source.readableBytes > 0 {
                let memberStart = source.readerIndex
                let outputStart = output.writerIndex
                try inflater.inflate(from: &source, to: &output)
                let member = memberStart..<source.readerIndex
                guard !member.isEmpty, member.count >= 18 else { throw CompressNIOError.corruptData }
                try checkTrailer(input, member: member, output: output, from: outputStart)
                if source.readableBytes > 0 { try inflater.reset() }
            }
        } catch let error as CompressNIOError {
            throw KiteError.corrupt("gzip data is corrupt (\(error))")
        }
        guard output.readableBytes == expectedSize else {
            throw KiteError.corrupt("gzip page holds \(output.readableBytes) bytes, the page header says \(expectedSize)")
        }
        return Array(output.readableBytesView)
    }

    /// A gzip member ends with the CRC-32 and the length (mod 2^32) of what it inflates to.
    private static func checkTrailer(
        _ input: UnsafeRawBufferPointer, member: Range<Int>, output: ByteBuffer, from outputStart: Int
    ) throws {
        func le32(_ at: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 | UInt32(input[at + $1]) << (8 * UInt32($1)) }
        }
        let produced = output.writerIndex - outputStart
        let crc = output.withUnsafeReadableBytes { raw in
            CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[(outputStart - output.readerIndex)...]))
        }
        guard le32(member.upperBound - 8) == crc, le32(member.upperBound - 4) == UInt32(truncatingIfNeeded: produced)
        else { throw KiteError.corrupt("gzip member is truncated or its checksum does not match") }
    }

    /// Deflates `input` into one gzip member.
    static func compress(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        var source = ByteBuffer(bytes: input)
        do {
            let compressed = try source.compress(with: .gzip())
            return Array(compressed.readableBytesView)
        } catch {
            throw KiteError(.io, "gzip compression failed: \(error)")
        }
    }
}
