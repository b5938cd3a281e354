/// The view rows that some entity row matched, ascending and each once, and where each entity row's match sits
/// among them: a bitmap over the view's rows with a running count per 64 rows, so neither a sort of the matches
/// nor a search per entity row is needed.
struct MatchedRows {
    /// The matched view rows, ascending, each once.
    let rows: [Int]
    private let words: [UInt64]
    /// The matched rows before each word of `words`.
    private let ranks: [Int]

    /// The rows of `matches` (view rows in `0..<viewRows`; negative for entity rows without a match).
    init(_ matches: [Int], viewRows: Int) {
        var words = [UInt64](repeating: 0, count: (viewRows + 63) >> 6)
        for row in matches where row >= 0 { words[row >> 6] |= 1 << UInt64(row & 63) }
        var ranks = [Int](repeating: 0, count: words.count)
        var count = 0
        for (index, word) in words.enumerated() {
            ranks[index] = count
            count += word.nonzeroBitCount
        }
        var rows: [Int] = []
        rows.reserveCapacity(count)
        for (index, word) in words.enumerated() {
            var rest = word
            while rest != 0 {
                rows.append(index << 6 | rest.trailingZeroBitCount)
                rest &= rest &- 1
            }
        }
        (self.rows, self.words, self.ranks) = (rows, words, ranks)
    }

    /// The place of `row`, one of `rows`, in `rows`.
    func position(of row: Int) -> Int {
        let word = row >> 6
        return ranks[word] + (words[word] & ((1 << UInt64(row & 63)) &- 1)).nonzeroBitCount
    }
}
