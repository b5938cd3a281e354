import AsyncHTTPClient
import KiteCore
import NIOCore
import NIOHTTP1

/// Objects in an S3 bucket (or on an S3-compatible server), optionally under a key prefix.
///
/// Requests are signed with SigV4; idempotent requests are retried with backoff on 5xx answers and network
/// errors; S3's XML errors become `KiteError`s that keep S3's code as `cause`.
public struct S3ObjectStore: ObjectStore {
    public let bucket: String
    /// Prepended to every key (`data/` for `s3://bucket/data/`).
    public let prefix: String
    let configuration: S3Configuration
    private let client: S3Client
    private let scheme: String
    private let host: String
    private let addressing: S3Configuration.Addressing
    private let signer: SigV4Signer?

    public var url: String { "s3://\(bucket)/\(prefix)" }

    /// The largest range one download request asks for.
    static let maxDownloadPiece = 32 << 20

    /// A store for `bucket` that sends through `client`; keys are relative to `prefix`.
    public init(bucket: String, prefix: String = "", client: S3Client) throws {
        guard ObjectLocation.isValidBucket(bucket) else {
            throw KiteError.invalidArgument("'\(bucket)' is not a valid bucket name")
        }
        self.client = client
        let configuration = client.configuration
        self.configuration = configuration
        self.bucket = bucket
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        if let endpoint = configuration.endpoint {
            let parts = endpoint.split(separator: "://", maxSplits: 1)
            guard parts.count == 2, parts[0] == "http" || parts[0] == "https", !parts[1].isEmpty else {
                throw KiteError.invalidArgument("the S3 endpoint '\(endpoint)' must look like http://host:port")
            }
            scheme = String(parts[0])
            host = String(parts[1].prefix { $0 != "/" })
            addressing = configuration.addressing ?? .path
        } else {
            scheme = "https"
            host = "s3.\(configuration.region).amazonaws.com"
            addressing = configuration.addressing ?? .virtualHosted
        }
        signer = configuration.credentials.map { SigV4Signer(credentials: $0, region: configuration.region) }
    }

    // MARK: Requests

    /// A response with its whole body.
    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// Sends one request to the object `key` (nil: the bucket), retrying idempotent ones.
    func send(
        _ method: HTTPMethod, key: String?, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: ByteBuffer? = nil, idempotent: Bool = true,
        signsPayload: Bool = true, maxBodyBytes: Int = 64 << 20
    ) async throws -> Reply {
        let objectPath = key.map { "/" + SigV4Signer.uriEncode(prefix + $0, encodeSlash: false) } ?? "/"
        let requestHost = addressing == .virtualHosted ? "\(bucket).\(host)" : host
        let path = addressing == .virtualHosted ? objectPath : "/\(bucket)" + (key == nil ? "" : objectPath)
        // Large part bodies go as UNSIGNED-PAYLOAD (TLS or the part's own checksum protects them), saving a hash pass.
        let payloadHash =
            !signsPayload
            ? SigV4Signer.unsignedPayload
            : body.map { buffer in
                buffer.withUnsafeReadableBytes { SigV4Signer.sha256Hex(Array($0)) }
            } ?? SigV4Signer.emptyPayloadHash
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: "")
            request.method = method
            var allHeaders = headers
            let encodedQuery = SigV4Signer.canonicalQuery(query)
            if let signer {
                let signed = signer.sign(
                    SigV4Signer.Request(
                        method: method.rawValue, host: requestHost, encodedPath: path, query: query, headers: headers,
                        payloadHash: payloadHash),
                    date: client.clock.now())
                allHeaders += signed.headers
            }
            request.url = "\(scheme)://\(requestHost)\(path)" + (encodedQuery.isEmpty ? "" : "?\(encodedQuery)")
            for header in allHeaders { request.headers.add(name: header.name, value: header.value) }
            if let body { request.body = .bytes(body) }
            let retryable: Bool
            let failure: KiteError
            do {
                let response = try await client.http.execute(request, timeout: .seconds(configuration.requestTimeoutSeconds))
                let bytes = try await response.body.collect(upTo: maxBodyBytes)
                let status = Int(response.status.code)
                if (200..<300).contains(status) { return Reply(status: status, headers: response.headers, body: bytes) }
                failure = Self.error(status: status, body: bytes, method: method, what: key.map { "'\($0)' in \(url)" } ?? url)
                retryable = status >= 500 || status == 429
            } catch let error as KiteError {
                throw error
            } catch {
                failure = KiteError(.unavailable, "cannot reach S3 at \(scheme)://\(requestHost): \(error)", cause: "\(error)")
                retryable = true
            }
            guard retryable, idempotent, attempt < configuration.maxAttempts else {
                if attempt > 1 {
                    throw KiteError(failure.code, failure.message + " (after \(attempt) attempts)", cause: failure.cause)
                }
                throw failure
            }
            try await Task.sleep(nanoseconds: UInt64(100_000_000) << UInt64(2 * (attempt - 1)))
        }
    }

    /// The `KiteError` for an S3 error answer, keeping S3's code.
    static func error(status: Int, body: ByteBuffer, method: HTTPMethod, what: String) -> KiteError {
        let xml = try? XMLElement.parse(Array(body.readableBytesView))
        let s3Code = xml?.text("Code") ?? (status == 404 ? "NoSuchKey" : "HTTP\(status)")
        let s3Message = xml?.text("Message").map { ": \($0)" } ?? ""
        let code: KiteError.Code
        switch (status, s3Code) {
        case (404, _), (_, "NoSuchKey"), (_, "NoSuchBucket"), (_, "NoSuchUpload"): code = .notFound
        case (403, _), (_, "AccessDenied"), (_, "InvalidAccessKeyId"), (_, "SignatureDoesNotMatch"): code = .permissionDenied
        case (416, _), (400, _): code = .invalidArgument
        case (409, _): code = .alreadyExists
        case (500..., _), (429, _): code = .unavailable
        default: code = .io
        }
        return KiteError(code, "S3 \(method.rawValue) \(what) failed: \(s3Code)\(s3Message) (HTTP \(status))", cause: s3Code)
    }

    // MARK: ObjectStore

    public func put(_ key: String, bytes: [UInt8]) async throws {
        if bytes.count > configuration.partSize {
            var sink = S3UploadSink(store: self, key: key)
            try await sink.writeAndCommit(bytes)
            return
        }
        _ = try await send(.PUT, key: key, body: ByteBuffer(bytes: bytes))
    }

    public func makeSink(for key: String) async throws -> any ByteSink {
        S3UploadSink(store: self, key: key)
    }

    public func get(_ key: String) async throws -> [UInt8] {
        let reply = try await send(.GET, key: key, maxBodyBytes: Int(Int32.max))
        return Array(reply.body.readableBytesView)
    }

    public func get(_ key: String, range: Range<Int>) async throws -> [UInt8] {
        guard range.lowerBound >= 0, !range.isEmpty else {
            throw KiteError.invalidArgument("range \(range) of '\(key)' must be non-empty and start at 0 or later")
        }
        let reply = try await send(
            .GET, key: key, headers: [("range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")],
            maxBodyBytes: range.count)
        guard reply.status == 206 || reply.status == 200 else {
            throw KiteError(.io, "S3 answered a range request for '\(key)' with HTTP \(reply.status)")
        }
        let bytes = Array(reply.body.readableBytesView)
        guard bytes.count == range.count else {
            throw KiteError.invalidArgument("range \(range.lowerBound)..<\(range.upperBound) is outside '\(key)' (got \(bytes.count) bytes)")
        }
        return bytes
    }

    /// Downloads in ranges of a part or more (up to `maxDownloadPiece`), several at a time, written in order.
    /// Fewer, larger ranges cost servers less per byte.
    public func download(_ key: String, toFile path: String) async throws {
        let size = try await head(key).size
        let perTask = (size + configuration.concurrency - 1) / configuration.concurrency
        let pieceSize = Swift.max(configuration.partSize, Swift.min(Self.maxDownloadPiece, perTask))
        let pieces = (size + pieceSize - 1) / pieceSize
        var sink = try LocalFileSink(path: path)
        do {
            try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
                var next = 0
                var ready: [Int: [UInt8]] = [:]
                var written = 0
                func start() {
                    let index = next
                    let range = (index * pieceSize)..<Swift.min(size, (index + 1) * pieceSize)
                    group.addTask { (index, try await self.get(key, range: range)) }
                    next += 1
                }
                while next < pieces && next < configuration.concurrency { start() }
                while let (index, bytes) = try await group.next() {
                    ready[index] = bytes
                    while let piece = ready.removeValue(forKey: written) {
                        try await sink.write(piece)
                        written += 1
                    }
                    if next < pieces { start() }
                }
            }
            try await sink.commit()
        } catch {
            await sink.abort()
            throw error
        }
    }

    public func head(_ key: String) async throws -> ObjectInfo {
        let reply = try await send(.HEAD, key: key)
        guard let size = reply.headers.first(name: "content-length").flatMap(Int.init) else {
            throw KiteError(.io, "S3 HEAD '\(key)' gave no Content-Length")
        }
        let modified = reply.headers.first(name: "last-modified").flatMap(HTTPDate.parse) ?? 0
        return ObjectInfo(key: key, size: size, etag: reply.headers.first(name: "etag") ?? "", lastModified: modified)
    }

    public func delete(_ key: String) async throws {
        _ = try await send(.DELETE, key: key)
    }

    public func copy(from source: String, to destination: String) async throws {
        let copySource = "/\(bucket)/" + SigV4Signer.uriEncode(prefix + source, encodeSlash: false)
        let reply = try await send(.PUT, key: destination, headers: [("x-amz-copy-source", copySource)])
        // CopyObject can fail after answering 200: the error is then in the body.
        if let xml = try? XMLElement.parse(Array(reply.body.readableBytesView)), xml.name == "Error" {
            throw KiteError(.io, "S3 copy of '\(source)' failed: \(xml.text("Code") ?? "error")", cause: xml.text("Code"))
        }
    }

    public func list(prefix listPrefix: String, delimiter: String?) -> ObjectListing {
        let store = self
        return ObjectListing { token in
            var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", store.prefix + listPrefix)]
            if let delimiter { query.append(("delimiter", delimiter)) }
            if let token { query.append(("continuation-token", token)) }
            let reply = try await store.send(.GET, key: nil, query: query)
            let xml = try XMLElement.parse(Array(reply.body.readableBytesView))
            var entries: [ObjectListEntry] = []
            for content in xml.children("Contents") {
                guard let fullKey = content.text("Key"), fullKey.hasPrefix(store.prefix) else { continue }
                entries.append(
                    .object(
                        ObjectInfo(
                            key: String(fullKey.dropFirst(store.prefix.count)), size: Int(content.text("Size") ?? "") ?? 0,
                            etag: content.text("ETag") ?? "",
                            lastModified: (try? Timestamp.parse(content.text("LastModified") ?? "")) ?? 0)))
            }
            for common in xml.children("CommonPrefixes") {
                if let value = common.text("Prefix"), value.hasPrefix(store.prefix) {
                    entries.append(.commonPrefix(String(value.dropFirst(store.prefix.count))))
                }
            }
            entries.sort { Self.sortKey($0).utf8.lexicographicallyPrecedes(Self.sortKey($1).utf8) }
            let truncated = xml.text("IsTruncated") == "true"
            return (entries, truncated ? xml.text("NextContinuationToken") : nil)
        }
    }

    private static func sortKey(_ entry: ObjectListEntry) -> String {
        switch entry {
        case .object(let info): info.key
        case .commonPrefix(let prefix): prefix
        }
    }

    /// Creates the bucket (for tests and first-time set-up); an existing bucket of yours is not an error.
    public func createBucket() async throws {
        var body: ByteBuffer?
        if configuration.region != "us-east-1" {
            body = ByteBuffer(string: "<CreateBucketConfiguration><LocationConstraint>\(configuration.region)</LocationConstraint></CreateBucketConfiguration>")
        }
        do {
            _ = try await send(.PUT, key: nil, body: body)
        } catch let error as KiteError where error.cause == "BucketAlreadyOwnedByYou" {
            return
        }
    }
}
