import KiteCore

/// A parsed storage URL: `file:relative/path`, `file:/absolute/path`, `file:///absolute/path`, a bare path, or
/// `s3://bucket/key`.
public enum ObjectLocation: Sendable, Hashable {
    /// A local path (relative paths are relative to the current folder).
    case file(path: String)
    /// An object or prefix in an S3 bucket.
    case s3(bucket: String, key: String)

    /// Parses `text`; a string without a scheme is a local path.
    public init(_ text: String) throws {
        if text.hasPrefix("s3://") {
            let rest = text.dropFirst(5)
            let bucket = String(rest.prefix { $0 != "/" })
            let key = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
            guard Self.isValidBucket(bucket) else {
                throw KiteError.invalidArgument(
                    "'\(text)' is not a valid S3 URL: write s3://bucket/key with a bucket of 3 to 63 lowercase letters, digits, dots or hyphens")
            }
            self = .s3(bucket: bucket, key: key)
        } else if text.hasPrefix("file:") {
            var path = String(text.dropFirst(5))
            if path.hasPrefix("///") {
                path = String(path.dropFirst(2))
            } else if path.hasPrefix("//") {
                throw KiteError.invalidArgument("'\(text)' names a host; write file:/absolute/path or file:relative/path")
            }
            guard !path.isEmpty else { throw KiteError.invalidArgument("'\(text)' has no path") }
            self = .file(path: path)
        } else if let colon = text.firstIndex(of: ":"), text[..<colon].allSatisfy({ $0.isLetter }), text[..<colon].count > 1,
            text[colon...].hasPrefix("://")
        {
            throw KiteError.invalidArgument("unsupported storage scheme in '\(text)': use a path, file:PATH or s3://bucket/key")
        } else {
            guard !text.isEmpty else { throw KiteError.invalidArgument("the storage location is empty") }
            self = .file(path: text)
        }
    }

    static func isValidBucket(_ bucket: String) -> Bool {
        (3...63).contains(bucket.count)
            && bucket.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "." || $0 == "-" || $0 == "_" }
    }
}
