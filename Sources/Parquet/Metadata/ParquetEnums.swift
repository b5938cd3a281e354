import KiteCore

/// Parquet's physical (storage) types.
public enum PhysicalType: Int32, Sendable, CustomStringConvertible {
    case boolean = 0
    case int32 = 1
    case int64 = 2
    case int96 = 3
    case float = 4
    case double = 5
    case byteArray = 6
    case fixedLenByteArray = 7

    public var description: String {
        switch self {
        case .boolean: "BOOLEAN"
        case .int32: "INT32"
        case .int64: "INT64"
        case .int96: "INT96"
        case .float: "FLOAT"
        case .double: "DOUBLE"
        case .byteArray: "BYTE_ARRAY"
        case .fixedLenByteArray: "FIXED_LEN_BYTE_ARRAY"
        }
    }
}

/// Whether a field is required, optional or repeated.
public enum Repetition: Int32, Sendable {
    case required = 0
    case optional = 1
    case repeated = 2
}

/// Page and level encodings. Unknown values are kept so they can be reported.
public struct Encoding: Hashable, Sendable, CustomStringConvertible {
    /// The number in the Thrift definition.
    public let rawValue: Int32

    public static let plain = Encoding(rawValue: 0)
    public static let plainDictionary = Encoding(rawValue: 2)
    public static let rle = Encoding(rawValue: 3)
    public static let bitPacked = Encoding(rawValue: 4)
    public static let deltaBinaryPacked = Encoding(rawValue: 5)
    public static let deltaLengthByteArray = Encoding(rawValue: 6)
    public static let deltaByteArray = Encoding(rawValue: 7)
    public static let rleDictionary = Encoding(rawValue: 8)
    public static let byteStreamSplit = Encoding(rawValue: 9)

    public var description: String {
        switch rawValue {
        case 0: "PLAIN"
        case 2: "PLAIN_DICTIONARY"
        case 3: "RLE"
        case 4: "BIT_PACKED"
        case 5: "DELTA_BINARY_PACKED"
        case 6: "DELTA_LENGTH_BYTE_ARRAY"
        case 7: "DELTA_BYTE_ARRAY"
        case 8: "RLE_DICTIONARY"
        case 9: "BYTE_STREAM_SPLIT"
        default: "ENCODING(\(rawValue))"
        }
    }
}

/// Column-chunk compression codecs.
public struct CompressionCodec: Hashable, Sendable, CustomStringConvertible {
    /// The number in the Thrift definition.
    public let rawValue: Int32

    public static let uncompressed = CompressionCodec(rawValue: 0)
    public static let snappy = CompressionCodec(rawValue: 1)
    public static let gzip = CompressionCodec(rawValue: 2)
    public static let lzo = CompressionCodec(rawValue: 3)
    public static let brotli = CompressionCodec(rawValue: 4)
    public static let lz4 = CompressionCodec(rawValue: 5)
    public static let zstd = CompressionCodec(rawValue: 6)
    public static let lz4Raw = CompressionCodec(rawValue: 7)

    public var description: String {
        switch rawValue {
        case 0: "UNCOMPRESSED"
        case 1: "SNAPPY"
        case 2: "GZIP"
        case 3: "LZO"
        case 4: "BROTLI"
        case 5: "LZ4"
        case 6: "ZSTD"
        case 7: "LZ4_RAW"
        default: "CODEC(\(rawValue))"
        }
    }

    /// Parses `snappy`, `gzip`, `none`/`uncompressed`.
    public init(name: String) throws {
        switch name.lowercased() {
        case "snappy": self = .snappy
        case "gzip": self = .gzip
        case "none", "uncompressed": self = .uncompressed
        default:
            throw KiteError.invalidArgument("unknown compression '\(name)': expected snappy, gzip or none")
        }
    }

    init(rawValue: Int32) { self.rawValue = rawValue }
}

/// Kinds of page in a column chunk.
enum PageType: Int32 {
    case dataPage = 0
    case indexPage = 1
    case dictionaryPage = 2
    case dataPageV2 = 3
}
