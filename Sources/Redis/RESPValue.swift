/// One value of the Redis serialization protocol (RESP2 and RESP3). A server error is a value too
/// (`.error`): a command that fails inside a pipeline does not fail the others.
public enum RESPValue: Sendable, Hashable {
    case simpleString(String)
    /// An error reply, e.g. `WRONGTYPE Operation against a key holding the wrong kind of value`.
    case error(String)
    case integer(Int64)
    case bulkString([UInt8])
    /// RESP2's null bulk string and null array, RESP3's null.
    case null
    case array([RESPValue])
    /// RESP3 only, like the cases below.
    case double(Double)
    case boolean(Bool)
    /// Keys and values alternating, in the server's order.
    case map([RESPValue])
    case set([RESPValue])
    case bigNumber(String)
    case verbatimString(String)
    /// An out-of-band message (RESP3 push); never the answer to a command.
    case push([RESPValue])

    /// The text of a simple, bulk or verbatim string; nil otherwise.
    public var string: String? {
        switch self {
        case .simpleString(let text), .verbatimString(let text): text
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The bytes of a bulk string (or a simple string's UTF-8); nil otherwise.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): bytes
        case .simpleString(let text): Array(text.utf8)
        default: nil
        }
    }

    /// An integer reply, or a string that holds a decimal integer.
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .bulkString, .simpleString: string.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The elements of an array, set or map (keys and values alternating).
    public var elements: [RESPValue]? {
        switch self {
        case .array(let values), .set(let values), .map(let values): values
        default: nil
        }
    }

    /// The message of an error reply.
    public var errorMessage: String? { if case .error(let message) = self { message } else { nil } }
}
