import KiteCore
import Testing

@testable import Features

/// The matched view rows of a point-in-time join, found through a bitmap, against sorting and searching them.
@Suite struct MatchedRowsTests {
    @Test(arguments: [(0, 0), (1, 1), (63, 10), (64, 64), (65, 200), (1_000, 5_000), (100_000, 30_000)])
    func rowsAndPositionsEqualSortingAndSearching(viewRows: Int, entityRows: Int) {
        var random = SeededGenerator(seed: UInt64(viewRows * 7 + entityRows))
        // Repeats, rows at word edges, and entity rows without a match.
        let matches = (0..<entityRows).map { _ in
            viewRows == 0 || random.next() % 4 == 0 ? -1 : Int(random.next() % UInt64(viewRows))
        }
        let found = MatchedRows(matches, viewRows: viewRows)
        let expected = Array(Set(matches.filter { $0 >= 0 })).sorted()
        #expect(found.rows == expected)
        for row in matches where row >= 0 {
            #expect(found.position(of: row) == expected.firstIndex(of: row))
        }
        let edges = MatchedRows([63, 0, 64, 127, 128, 63, -1], viewRows: 129)
        #expect(edges.rows == [0, 63, 64, 127, 128])
        #expect([0, 63, 64, 127, 128].map(edges.position(of:)) == [0, 1, 2, 3, 4])
    }
}
