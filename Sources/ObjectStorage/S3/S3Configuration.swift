import KiteCore

/// How to reach S3 or an S3-compatible server (MinIO, moto, Ceph, R2). The CLI fills it from the standard
/// `AWS_*` environment variables; libraries never read the environment.
public struct S3Configuration: Sendable {
    /// Access key, secret and optional session token.
    public struct Credentials: Sendable, Hashable {
        public var accessKeyID: String
        public var secretAccessKey: String
        public var sessionToken: String?

        /// Creates credentials.
        public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }
    }

    /// How buckets appear in URLs.
    public enum Addressing: String, Sendable {
        /// `https://endpoint/bucket/key`: what local servers expect.
        case path
        /// `https://bucket.endpoint/key`: what AWS prefers.
        case virtualHosted = "virtual"
    }

    /// The default size of multipart upload parts (S3's minimum is 5 MiB).
    public static let defaultPartSize = 8 << 20

    /// The region requests are signed for.
    public var region = "us-east-1"
    /// A custom endpoint such as `http://127.0.0.1:9000`; nil means AWS (`https://s3.REGION.amazonaws.com`).
    public var endpoint: String?
    public var credentials: Credentials?
    /// Path-style by default for custom endpoints, virtual-hosted for AWS.
    public var addressing: Addressing?
    /// Objects larger than this are uploaded in parts of this size.
    public var partSize = defaultPartSize
    /// Parts uploaded (and ranges downloaded) at the same time.
    public var concurrency = 4
    /// How long to wait for a connection.
    public var connectTimeoutSeconds: Int64 = 5
    /// How long one request may take, body included.
    public var requestTimeoutSeconds: Int64 = 120
    /// Attempts for idempotent requests that fail with 5xx or a network error.
    public var maxAttempts = 3

    /// The defaults: us-east-1, AWS, 8 MiB parts.
    public init() {}

    /// The configuration the standard environment variables describe (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` or `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL`
    /// or `AWS_ENDPOINT_URL_S3`, and Kite's `KITE_S3_ADDRESSING=path|virtual`).
    public init(environment: [String: String]) throws {
        if let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"], !region.isEmpty {
            self.region = region
        }
        endpoint = environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"]
        if let endpoint, !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) {
            throw KiteError.invalidArgument("AWS_ENDPOINT_URL '\(endpoint)' must start with http:// or https://")
        }
        if let key = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] {
            credentials = Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"])
        }
        if let style = environment["KITE_S3_ADDRESSING"] {
            guard let parsed = Addressing(rawValue: style) else {
                throw KiteError.invalidArgument("KITE_S3_ADDRESSING must be 'path' or 'virtual', not '\(style)'")
            }
            addressing = parsed
        }
    }

    func validated() throws -> S3Configuration {
        guard partSize >= 5 << 20 else { throw KiteError.invalidArgument("S3 part size must be at least 5 MiB") }
        guard concurrency >= 1, maxAttempts >= 1 else {
            throw KiteError.invalidArgument("S3 concurrency and attempts must be at least 1")
        }
        return self
    }
}
