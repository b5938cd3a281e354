/// Writes a `DataFrame` as RFC 4180 CSV with a header row; nulls are empty fields.
public enum CSVWriter {
    /// The CSV text of `frame`'s rows in `rows`.
    public static func write(_ frame: DataFrame, rows: Range<Int>? = nil, header: Bool = true) -> String {
        var out = ""
        if header { out += frame.schema.names.map(field).joined(separator: ",") + "\n" }
        for row in rows ?? 0..<frame.rowCount {
            out += frame.columns.map { field(ValueText.text($0.scalar(at: row)) ?? "") }.joined(separator: ",")
            out += "\n"
        }
        return out
    }

    /// A field, quoted when it holds a comma, quote or line break (or is empty text that must not read as null).
    public static func field(_ text: String) -> String {
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        }
        return text
    }
}
