import KiteCore

/// The header before every page of a column chunk.
struct PageHeader {
    var type: PageType
    var uncompressedSize: Int
    var compressedSize: Int
    var crc: UInt32?
    /// Values in the page (data pages), or entries (dictionary pages).
    var valueCount = 0
    var encoding = Encoding.plain
    var definitionLevelEncoding = Encoding.rle
    // Data page v2 only.
    var nullCount = 0
    var definitionLevelsLength = 0
    var repetitionLevelsLength = 0
    var isCompressed = true

    static func decode(_ reader: inout ThriftCompactReader) throws -> PageHeader {
        var rawType: Int32 = -1
        var header = PageHeader(type: .dataPage, uncompressedSize: 0, compressedSize: 0)
        var sawSizes = (false, false)
        try reader.readStruct { r, id, type in
            switch (id, type) {
            case (1, .i32): rawType = try r.readI32()
            case (2, .i32):
                header.uncompressedSize = try r.readCount("uncompressed page size")
                sawSizes.0 = true
            case (3, .i32):
                header.compressedSize = try r.readCount("compressed page size")
                sawSizes.1 = true
            case (4, .i32): header.crc = UInt32(bitPattern: try r.readI32())
            case (5, .struct):
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32): header.valueCount = try r.readCount("page value count")
                    case (2, .i32): header.encoding = Encoding(rawValue: try r.readI32())
                    case (3, .i32): header.definitionLevelEncoding = Encoding(rawValue: try r.readI32())
                    default: try r.skip(type)
                    }
                }
            case (7, .struct):
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32): header.valueCount = try r.readCount("dictionary size")
                    case (2, .i32): header.encoding = Encoding(rawValue: try r.readI32())
                    default: try r.skip(type)
                    }
                }
            case (8, .struct):
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32): header.valueCount = try r.readCount("page value count")
                    case (2, .i32): header.nullCount = try r.readCount("page null count")
                    case (4, .i32): header.encoding = Encoding(rawValue: try r.readI32())
                    case (5, .i32): header.definitionLevelsLength = try r.readCount("definition levels length")
                    case (6, .i32): header.repetitionLevelsLength = try r.readCount("repetition levels length")
                    case (7, .boolTrue), (7, .boolFalse): header.isCompressed = try r.readBool()
                    default: try r.skip(type)
                    }
                }
            default: try r.skip(type)
            }
        }
        guard let pageType = PageType(rawValue: rawType), sawSizes.0, sawSizes.1 else {
            throw KiteError.corrupt("page header is missing its type or sizes")
        }
        header.type = pageType
        return header
    }

    /// Encodes a v1 data page or dictionary page header.
    func encode() -> [UInt8] {
        var writer = ThriftCompactWriter()
        writer.writeStruct { w in
            w.field(1, i32: type.rawValue)
            w.field(2, i32: Int32(uncompressedSize))
            w.field(3, i32: Int32(compressedSize))
            if let crc { w.field(4, i32: Int32(bitPattern: crc)) }
            switch type {
            case .dictionaryPage:
                w.field(7) { w in
                    w.field(1, i32: Int32(valueCount))
                    w.field(2, i32: encoding.rawValue)
                }
            default:
                w.field(5) { w in
                    w.field(1, i32: Int32(valueCount))
                    w.field(2, i32: encoding.rawValue)
                    w.field(3, i32: definitionLevelEncoding.rawValue)
                    w.field(4, i32: Encoding.rle.rawValue)
                }
            }
        }
        return writer.bytes
    }
}
