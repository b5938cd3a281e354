import Foundation
import KiteCore
import NIOCore
import NIOHTTP1

/// Streams an object to S3: small objects in one PUT on commit; past one part, a multipart upload whose parts
/// go up several at a time while the writer keeps producing. Failure or `abort()` aborts the upload, so nothing
/// half-written appears under the key.
struct S3UploadSink: ByteSink {
    private let store: S3ObjectStore
    private let key: String
    private var buffer: [UInt8] = []
    private var uploadID: String?
    private var nextPart = 1
    private var inFlight: [Task<Part, any Error>] = []
    private var finishedParts: [Part] = []

    /// An uploaded part: its number, the ETag S3 gave it and its CRC-32 (base64, as S3 writes checksums).
    struct Part {
        var number: Int
        var etag: String
        var crc32: String
    }

    init(store: S3ObjectStore, key: String) {
        self.store = store
        self.key = key
    }

    private var partSize: Int { store.configuration.partSize }

    mutating func write(_ bytes: [UInt8]) async throws {
        buffer.append(contentsOf: bytes)
        // Keep one part in hand until a second arrives, so a small object goes up in a single PUT.
        var start = 0
        while buffer.count - start >= partSize * 2 || (buffer.count - start >= partSize && uploadID != nil) {
            try await startPart(Array(buffer[start..<(start + partSize)]))
            start += partSize
        }
        if start > 0 { buffer.removeFirst(start) }
    }

    private mutating func startPart(_ part: [UInt8]) async throws {
        if uploadID == nil {
            // Each part carries its CRC-32, which S3 verifies, so the parts can go as UNSIGNED-PAYLOAD.
            let reply = try await store.send(
                .POST, key: key, query: [("uploads", "")], headers: [("x-amz-checksum-algorithm", "CRC32")])
            guard let id = try XMLElement.parse(Array(reply.body.readableBytesView)).text("UploadId") else {
                throw KiteError(.io, "S3 did not return an upload id for '\(key)'")
            }
            uploadID = id
        }
        guard let uploadID else { return }
        while inFlight.count >= store.configuration.concurrency {
            finishedParts.append(try await inFlight.removeFirst().value)
        }
        let number = nextPart
        nextPart += 1
        let store = self.store
        let key = self.key
        inFlight.append(
            Task {
                let crc = CRC32.checksum(part).bigEndian
                let crc32 = withUnsafeBytes(of: crc) { Data($0).base64EncodedString() }
                let reply = try await store.send(
                    .PUT, key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
                    headers: [("x-amz-checksum-crc32", crc32)], body: ByteBuffer(bytes: part), signsPayload: false)
                guard let etag = reply.headers.first(name: "etag") else {
                    throw KiteError(.io, "S3 returned no ETag for part \(number) of '\(key)'")
                }
                return Part(number: number, etag: etag, crc32: crc32)
            })
    }

    mutating func commit() async throws {
        guard let uploadID else {
            _ = try await store.send(.PUT, key: key, body: ByteBuffer(bytes: buffer))
            buffer = []
            return
        }
        if !buffer.isEmpty || nextPart == 1 {
            try await startPart(buffer)
            buffer = []
        }
        for task in inFlight { finishedParts.append(try await task.value) }
        inFlight = []
        let parts = finishedParts.sorted { $0.number < $1.number }
            .map {
                "<Part><PartNumber>\($0.number)</PartNumber><ETag>\($0.etag.xmlEscaped)</ETag>"
                    + "<ChecksumCRC32>\($0.crc32)</ChecksumCRC32></Part>"
            }
            .joined()
        let reply = try await store.send(
            .POST, key: key, query: [("uploadId", uploadID)],
            body: ByteBuffer(string: "<CompleteMultipartUpload>\(parts)</CompleteMultipartUpload>"), idempotent: false)
        if let error = Self.completionError(Array(reply.body.readableBytesView), key: key) { throw error }
        self.uploadID = nil
    }

    /// The failure a CompleteMultipartUpload answer reports, if any: S3 can answer 200 and still fail, with the
    /// error in the body (or a body that is not the expected result at all).
    static func completionError(_ body: [UInt8], key: String) -> KiteError? {
        guard let xml = try? XMLElement.parse(body) else {
            return KiteError(.io, "S3 answered the completion of '\(key)' with a body that is not XML")
        }
        switch xml.name {
        case "CompleteMultipartUploadResult": return nil
        case "Error":
            return KiteError(
                .io, "S3 could not complete the upload of '\(key)': \(xml.text("Code") ?? "error"): \(xml.text("Message") ?? "")",
                cause: xml.text("Code"))
        default:
            return KiteError(.io, "S3 answered the completion of '\(key)' with an unexpected <\(xml.name)>")
        }
    }

    mutating func abort() async {
        for task in inFlight { task.cancel() }
        for task in inFlight { _ = try? await task.value }
        inFlight = []
        buffer = []
        if let uploadID {
            _ = try? await store.send(.DELETE, key: key, query: [("uploadId", uploadID)])
            self.uploadID = nil
        }
    }
}
