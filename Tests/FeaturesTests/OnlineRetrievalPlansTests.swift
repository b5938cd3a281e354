import Testing

@testable import Features

/// The plans a server keeps per definitions version: each reference list's plan is worked out once, and no more
/// than `Plans.limit` are kept, since the lists come from requests.
@Suite struct OnlineRetrievalPlansTests {
    @Test func plansAreKeptOncePerListUpToTheLimit() throws {
        let plans = OnlineRetrieval.Plans()
        var made = 0
        func plan(_ index: Int, full: Bool = false) throws {
            _ = try plans.plan([FeatureReference(parsing: "view\(index):*")], fullFeatureNames: full) {
                made += 1
                return OnlineRetrieval.Plan(outputs: [], reads: [], inputs: [:], names: ["f\(index)"])
            }
        }
        try plan(0)
        try plan(0)
        #expect(made == 1)
        try plan(0, full: true)  // the naming is part of the key
        #expect(made == 2)
        for index in 1..<(OnlineRetrieval.Plans.limit + 10) { try plan(index) }
        #expect(made == OnlineRetrieval.Plans.limit + 11)
        // Kept: the first `limit` lists (the last of them is index limit - 2). Past the limit: worked out each time.
        try plan(OnlineRetrieval.Plans.limit - 2)
        #expect(made == OnlineRetrieval.Plans.limit + 11)
        try plan(OnlineRetrieval.Plans.limit - 1)
        #expect(made == OnlineRetrieval.Plans.limit + 12)
    }
}
