/// A text or binary column as dictionary encoding stores it: values, and each row's index into them. Reading it
/// copies no row's bytes, and work per distinct value (a comparison, a lookup) is done once per value.
///
/// Values are not necessarily distinct: each column chunk's dictionary is appended in turn, and so is every value
/// of a page its writer stored plain (as writers do once a dictionary grows too large).
public struct CodedColumn: Sendable {
    /// Value i's bytes are `data[offsets[i]..<offsets[i + 1]]`.
    public let offsets: [Int]
    public let data: [UInt8]
    /// Each row's value index; -1 for a null row.
    public let codes: [Int32]

    /// The number of values.
    public var valueCount: Int { offsets.count - 1 }
}
