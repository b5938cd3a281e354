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
    private var inFlight: [Task<(Int, String), any Error>] = []
    private var finishedParts: [(number: Int, etag: String)] = []

    init(store: S3ObjectStore, key: String) {
        self.store = store
        self.key = key
    }

    private var partSize: Int { store.configuration.partSize }

    mutating func write(_ bytes: [UInt8]) async throws {
        buffer.append(contentsOf: bytes)
        while buffer.count >= partSize * 2 || (buffer.count >= partSize && uploadID != nil) {
            try await startPart(Array(buffer[..<partSize]))
            buffer.removeFirst(partSize)
        }
    }

    private mutating func startPart(_ part: [UInt8]) async throws {
        if uploadID == nil {
            let reply = try await store.send(.POST, key: key, query: [("uploads", "")])
            guard let id = try XMLElement.parse(Array(reply.body.readableBytesView)).text("UploadId") else {
                throw KiteError(.io, "S3 did not return an upload id for '\(key)'")
            }
            uploadID = id
        }
        guard let uploadID else { return }
        while inFlight.count >= store.configuration.concurrency {
            let (number, etag) = try await inFlight.removeFirst().value
            finishedParts.append((number, etag))
        }
        let number = nextPart
        nextPart += 1
        let store = self.store
        let key = self.key
        inFlight.append(Task {
            let reply = try await store.send(
                .PUT, key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
                body: ByteBuffer(bytes: part))
            guard let etag = reply.headers.first(name: "etag") else {
                throw KiteError(.io, "S3 returned no ETag for part \(number) of '\(key)'")
            }
            return (number, etag)
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
            .map { "<Part><PartNumber>\($0.number)</PartNumber><ETag>\($0.etag.xmlEscaped)</ETag></Part>" }
            .joined()
        let reply = try await store.send(
            .POST, key: key, query: [("uploadId", uploadID)],
            body: ByteBuffer(string: "<CompleteMultipartUpload>\(parts)</CompleteMultipartUpload>"), idempotent: false)
        // CompleteMultipartUpload can answer 200 and still fail: the error is then in the body.
        let xml = try XMLElement.parse(Array(reply.body.readableBytesView))
        if xml.name == "Error" {
            throw KiteError(
                .io, "S3 could not complete the upload of '\(key)': \(xml.text("Code") ?? "error"): \(xml.text("Message") ?? "")",
                cause: xml.text("Code"))
        }
        self.uploadID = nil
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
