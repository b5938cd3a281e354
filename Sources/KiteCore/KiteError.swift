/// The one error type Kite's libraries throw: a stable machine-readable `code` and a message for people.
///
/// The code is an extensible struct rather than an enum so later modules can add codes without breaking
/// callers (the swift-service-lifecycle `ServiceGroupError` pattern). The HTTP layer maps codes to statuses.
public struct KiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable identifier for a kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, e.g. `invalid_argument`.
        public let name: String

        /// Creates a code from its stable name.
        public init(_ name: String) { self.name = name }

        public var description: String { name }

        /// The caller passed a value that is not acceptable (bad option, bad column name, bad timestamp).
        public static let invalidArgument = Code("invalid_argument")
        /// A file or object's bytes do not follow the format they claim (corrupt or truncated).
        public static let corruptData = Code("corrupt_data")
        /// The input is valid but uses a feature Kite does not implement yet.
        public static let unsupported = Code("unsupported")
        /// A named thing (file, column, key) does not exist.
        public static let notFound = Code("not_found")
        /// Reading or writing bytes failed at the operating-system level.
        public static let io = Code("io_error")
        /// Two schemas, types or lengths that must agree do not.
        public static let mismatch = Code("mismatch")
        /// A checksum stored with the data does not match the data.
        public static let checksumMismatch = Code("checksum_mismatch")
        /// The caller is not allowed to do this (bad credentials, access denied).
        public static let permissionDenied = Code("permission_denied")
        /// A service could not be reached or answered too late; trying again later may work.
        public static let unavailable = Code("unavailable")
        /// The thing to create exists already.
        public static let alreadyExists = Code("already_exists")
        /// The request is well-formed but its values cannot be used as they are (a feature missing for a model
        /// that has no default for it).
        public static let unprocessable = Code("unprocessable")
    }

    /// What kind of failure this is.
    public let code: Code
    /// A sentence for a person: what went wrong and, where possible, what to do.
    public let message: String
    /// The code the failing system gave, kept as it was (S3's `NoSuchKey`, `AccessDenied`, …).
    public let cause: String?

    /// Creates an error with a code, a message and, optionally, the code of the system that reported it.
    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }

    /// `invalid_argument` with a message.
    public static func invalidArgument(_ message: String) -> KiteError { KiteError(.invalidArgument, message) }
    /// `corrupt_data` with a message.
    public static func corrupt(_ message: String) -> KiteError { KiteError(.corruptData, message) }
    /// `unsupported` with a message.
    public static func unsupported(_ message: String) -> KiteError { KiteError(.unsupported, message) }
}
