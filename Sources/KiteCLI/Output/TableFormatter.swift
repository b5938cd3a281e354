import KiteCore

/// Renders rows as an aligned text table for people.
enum TableFormatter {
    /// The table text of `frame`'s rows in `rows`: a header, a rule, then one line per row; null shows as `null`.
    static func render(_ frame: DataFrame, rows: Range<Int>) -> String {
        let header = frame.schema.fields.map { "\($0.name)" }
        let types = frame.schema.fields.map { "\($0.type)" }
        let cells = rows.map { row in
            frame.columns.map { column in
                (ValueText.text(column.scalar(at: row)) ?? "null").map { $0 == "\n" ? "⏎" : $0 }
            }.map { String($0) }
        }
        return render(headers: [header, types], rows: cells)
    }

    /// A table with one or more header lines, a rule, then `rows`; cells are clipped at 40 characters.
    static func render(headers: [[String]], rows: [[String]]) -> String {
        let all = headers + rows
        let columns = all.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in all.map { c < $0.count ? Swift.min($0[c].count, 40) : 0 }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            zip(row, widths).map { text, width in
                let clipped = text.count > width ? String(text.prefix(width - 1)) + "…" : text
                return clipped + String(repeating: " ", count: width - clipped.count)
            }.joined(separator: "  ").trimmingSpacesAtEnd()
        }
        var out = headers.map { line($0) + "\n" }.joined()
        out += widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + "\n"
        for row in rows { out += line(row) + "\n" }
        return out
    }
}

extension String {
    fileprivate func trimmingSpacesAtEnd() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
