import CompressNIO
import KiteCore
import NIOCore

/// GZIP for pages, through zlib (compress-nio); reads concatenated members as one stream.
enum Gzip {
    /// Inflates `input` into exactly `expectedSize` bytes.
    static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int) throws -> [UInt8] {
        var source = ByteBuffer(bytes: input)
        var output = ByteBufferAllocator().buffer(capacity: Swift.max(expectedSize, 1))
        do {
            let inflater = try ZlibDecompressor(algorithm: .gzip)
            while source.readableBytes > 0 {
                let before = source.readableBytes
                if output.writableBytes == 0 { break }
                try inflater.inflate(from: &source, to: &output)
                guard source.readableBytes < before else { break }
                if source.readableBytes > 0 { try inflater.reset() }
            }
        } catch let error as CompressNIOError {
            throw KiteError.corrupt("gzip data is corrupt (\(error))")
        }
        guard output.readableBytes == expectedSize, source.readableBytes == 0 else {
            throw KiteError.corrupt("gzip page holds \(output.readableBytes) bytes, the page header says \(expectedSize)")
        }
        return Array(output.readableBytesView)
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
