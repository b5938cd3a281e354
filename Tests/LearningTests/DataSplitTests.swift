import KiteCore
import Learning
import Testing

@Suite struct DataSplitTests {
    @Test func randomHoldoutPartitionsTheRows() throws {
        let (train, test) = try DataSplit.random(rows: 1000, testFraction: 0.2, seed: 1)
        #expect(test.count == 200 && train.count == 800)
        #expect(Set(train + test) == Set(0..<1000) && Set(train).isDisjoint(with: test))
        #expect(try DataSplit.random(rows: 1000, testFraction: 0.2, seed: 1).test == test)  // seeded
        #expect(try DataSplit.random(rows: 1000, testFraction: 0.2, seed: 2).test != test)
    }

    @Test func timeHoldoutTestsOnTheLatestPeriod() throws {
        let times = [5.0, 1, 9, 3, 7, 2, 8, 4, 6, 10]
        let (train, test) = try DataSplit.byTime(times, testFraction: 0.3)
        #expect(test.map { times[$0] }.sorted() == [8, 9, 10])
        #expect(train.allSatisfy { times[$0] < 8 } && train.count == 7)
        #expect(throws: KiteError.self) { try DataSplit.byTime([1, 1, 1], testFraction: 0.5) }
    }

    @Test func kFoldTestsEachRowOnce() throws {
        let folds = try DataSplit.kFold(rows: 103, k: 5, seed: 3)
        #expect(folds.count == 5)
        #expect(folds.flatMap(\.test).sorted() == Array(0..<103))
        for fold in folds { #expect(fold.train.count + fold.test.count == 103 && Set(fold.train).isDisjoint(with: fold.test)) }
        #expect(throws: KiteError.self) { try DataSplit.kFold(rows: 3, k: 4, seed: 0) }
        #expect(throws: KiteError.self) { try DataSplit.random(rows: 10, testFraction: 1, seed: 0) }
    }
}
