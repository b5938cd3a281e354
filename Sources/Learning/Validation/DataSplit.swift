import KiteCore

/// Row splits for validation: a holdout at random or by time, and k folds. Each gives row indices in ascending
/// order.
public enum DataSplit {
    /// A random holdout of about `testFraction` of `rows`, chosen by `seed`.
    public static func random(rows: Int, testFraction: Double, seed: UInt64) throws -> (train: [Int], test: [Int]) {
        try check(rows: rows, testFraction: testFraction)
        var order = Array(0..<rows)
        var generator = SeededGenerator(seed: seed)
        order.shuffle(using: &generator)
        let testCount = Swift.max(1, Swift.min(rows - 1, Int((Double(rows) * testFraction).rounded())))
        return (Array(order.dropFirst(testCount)).sorted(), Array(order.prefix(testCount)).sorted())
    }

    /// A holdout by time: rows at or after the time below which `1 − testFraction` of rows fall are the test
    /// set (the default for data from a feature store: the model is tested on a period it has not seen).
    public static func byTime(_ times: [Double], testFraction: Double) throws -> (train: [Int], test: [Int]) {
        try check(rows: times.count, testFraction: testFraction)
        guard times.allSatisfy({ !$0.isNaN }) else { throw KiteError.invalidArgument("a time split needs a time on every row") }
        let sorted = times.sorted()
        let cutoff = sorted[Swift.min(times.count - 1, Int((Double(times.count) * (1 - testFraction)).rounded(.down)))]
        let train = times.indices.filter { times[$0] < cutoff }
        let test = times.indices.filter { times[$0] >= cutoff }
        guard !train.isEmpty else { throw KiteError.invalidArgument("every row has the same time: a time split has nothing to train on") }
        return (train, test)
    }

    /// `k` folds over a shuffled order: each row is in exactly one fold's test set.
    public static func kFold(rows: Int, k: Int, seed: UInt64) throws -> [(train: [Int], test: [Int])] {
        guard k >= 2, k <= rows else { throw KiteError.invalidArgument("k-fold needs 2 ≤ k ≤ rows, not k = \(k) with \(rows) rows") }
        var order = Array(0..<rows)
        var generator = SeededGenerator(seed: seed)
        order.shuffle(using: &generator)
        return (0..<k).map { fold in
            let test = Array(order[(rows * fold / k)..<(rows * (fold + 1) / k)]).sorted()
            let inTest = Set(test)
            return ((0..<rows).filter { !inTest.contains($0) }, test)
        }
    }

    private static func check(rows: Int, testFraction: Double) throws {
        guard rows >= 2 else { throw KiteError.invalidArgument("a split needs at least two rows, not \(rows)") }
        guard testFraction > 0, testFraction < 1 else {
            throw KiteError.invalidArgument("the test fraction must be between 0 and 1 (exclusive), not \(testFraction)")
        }
    }
}
