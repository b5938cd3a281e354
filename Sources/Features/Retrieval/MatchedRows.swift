import KiteCore

/// The view rows that some entity row matched, ascending and each once, and where each entity row's match sits
/// among them: a bitmap over the view's rows with a running count per word, so neither a sort of the matches nor
/// a search per entity row is needed.
struct MatchedRows {
    /// The matched view rows, ascending, each once.
    let rows: [Int]
    private let matched: Bitmap
    /// The matched rows before each word of `matched`.
    private let ranks: [Int]

    /// The rows of `matches` (view rows in `0..<viewRows`; negative for entity rows without a match).
    init(_ matches: [Int], viewRows: Int) {
        var matched = Bitmap(repeating: false, count: viewRows)
        for row in matches where row >= 0 { matched[row] = true }
        var count = 0
        ranks = matched.words.map { word in
            defer { count += word.nonzeroBitCount }
            return count
        }
        var rows: [Int] = []
        rows.reserveCapacity(count)
        matched.forEachSetBit { rows.append($0) }
        (self.rows, self.matched) = (rows, matched)
    }

    /// The place of `row`, one of `rows`, in `rows`.
    func position(of row: Int) -> Int {
        ranks[row >> 6] + (matched.words[row >> 6] & ((1 << UInt64(row & 63)) &- 1)).nonzeroBitCount
    }
}
