import Crypto
import KiteCore

/// AWS Signature Version 4 (the `Authorization` header form), as S3 and every S3-compatible server expect.
public struct SigV4Signer: Sendable {
    /// One request to sign: the pieces that go into the canonical request.
    public struct Request: Sendable {
        public var method: String
        public var host: String
        /// The path, already URI-encoded (`/bucket/my%20key`); S3 signs it as sent, without normalizing.
        public var encodedPath: String
        /// Query parameters, not encoded; the signer encodes and sorts them.
        public var query: [(name: String, value: String)]
        /// Headers to sign besides `host` and `x-amz-date`.
        public var headers: [(name: String, value: String)]
        /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
        public var payloadHash: String

        /// Creates a request description.
        public init(
            method: String, host: String, encodedPath: String, query: [(name: String, value: String)] = [],
            headers: [(name: String, value: String)] = [], payloadHash: String = SigV4Signer.emptyPayloadHash
        ) {
            self.method = method
            self.host = host
            self.encodedPath = encodedPath
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// SHA-256 of the empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// The payload hash for bodies that are not hashed (streams).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    public let credentials: S3Configuration.Credentials
    public let region: String
    public let service: String
    /// Whether to send and sign `x-amz-content-sha256` (S3 requires it).
    public let signsContentHash: Bool

    /// A signer for `service` in `region`.
    public init(credentials: S3Configuration.Credentials, region: String, service: String = "s3", signsContentHash: Bool = true) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.signsContentHash = signsContentHash
    }

    /// The result of signing: the headers to send, and the intermediate texts for inspection.
    public struct Signed: Sendable {
        /// Headers to add to the request: `x-amz-date`, `authorization`, and where they apply
        /// `x-amz-content-sha256` and `x-amz-security-token`.
        public var headers: [(name: String, value: String)]
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        /// The query string to send, encoded the same way as it was signed.
        public var encodedQuery: String
    }

    /// Signs `request` at `date` (microseconds since the epoch).
    public func sign(_ request: Request, date: Int64) -> Signed {
        let stamp = Self.amzDate(date)
        let day = String(stamp.prefix(8))
        var headers = request.headers.map { (name: $0.name.lowercased(), value: Self.trim($0.value)) }
        headers.append(("host", request.host))
        headers.append(("x-amz-date", stamp))
        if signsContentHash { headers.append(("x-amz-content-sha256", request.payloadHash)) }
        if let token = credentials.sessionToken { headers.append(("x-amz-security-token", token)) }
        var grouped: [String: [String]] = [:]
        for header in headers { grouped[header.name, default: []].append(header.value) }
        let names = grouped.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(grouped[$0, default: []].joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let encodedQuery = Self.canonicalQuery(request.query)
        let canonicalRequest = [
            request.method, request.encodedPath.isEmpty ? "/" : request.encodedPath, encodedQuery, canonicalHeaders,
            signedHeaders, request.payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", stamp, scope, Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        var out: [(name: String, value: String)] = [("x-amz-date", stamp)]
        if signsContentHash { out.append(("x-amz-content-sha256", request.payloadHash)) }
        if let token = credentials.sessionToken { out.append(("x-amz-security-token", token)) }
        out.append(
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
            ))
        return Signed(
            headers: out, canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
            encodedQuery: encodedQuery)
    }

    /// The query string with names and values encoded and sorted, as signed and as sent.
    static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        let encoded: [(String, String)] = query.map {
            (uriEncode($0.name, encodeSlash: true), uriEncode($0.value, encodeSlash: true))
        }
        let sorted = encoded.sorted { a, b in a.0 == b.0 ? a.1 < b.1 : a.0 < b.0 }
        return sorted.map { $0.0 + "=" + $0.1 }.joined(separator: "&")
    }

    /// Hex SHA-256 of `bytes`, for the payload hash.
    public static func sha256Hex(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    /// Percent-encodes everything but `A-Z a-z 0-9 - . _ ~` (and `/` unless `encodeSlash`), as SigV4 requires.
    public static func uriEncode(_ text: String, encodeSlash: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where !encodeSlash:
                out += "/"
            default:
                let digits = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 15)]))
            }
        }
        return out
    }

    /// `YYYYMMDDTHHMMSSZ`.
    static func amzDate(_ micros: Int64) -> String {
        let iso = Timestamp.format(micros)  // 2013-05-24T00:00:00.000000Z
        return iso.prefix(19).filter { $0 != "-" && $0 != ":" } + "Z"
    }

    private static func trim(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
