import KiteCore
import Testing

@testable import Serving

/// `kite batch-predict --partition-by`: rows filed by their value's name, each partition's rows in order.
@Suite struct BatchPartitionTests {
    @Test func rowsGoUnderTheirValuesName() {
        let regions = BatchPrediction.partitions(of: .strings(["eu/west", "us", nil, "eu/west", "a=b%", "us"]), named: "region")
        #expect(regions == ["region=eu%2Fwest": [0, 3], "region=us": [1, 5], "region=__null__": [2], "region=a%3Db%25": [4]])
    }

    /// NaNs are one partition (not one per NaN), apart from nulls, with their rows in ascending order.
    @Test func nansShareOnePartition() {
        let scores = BatchPrediction.partitions(of: .float64s([.nan, 1.5, nil, -.nan, 1.5, .nan]), named: "score")
        #expect(scores.count == 3)
        #expect(scores["score=1.5"] == [1, 4])
        #expect(scores["score=__null__"] == [2])
        #expect(scores.first { $0.key != "score=1.5" && $0.key != "score=__null__" }?.value == [0, 3, 5])
    }
}
