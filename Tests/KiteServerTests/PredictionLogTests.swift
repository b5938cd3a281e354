import Features
import KiteCore
import Learning
import Testing

@testable import Serving

/// The prediction log's table: one column per input over the union of the logged versions' inputs.
@Suite struct PredictionLogTests {
    /// A model trained with full feature names has an input `view__feature` for a referenced feature; a name
    /// that only starts or ends like one, or a `view:*` reference, does not count.
    @Test func fullFeatureNamesAreRecognized() throws {
        let references = try ["customer_stats:spend_7d", "merchants:*"].map(FeatureReference.init(parsing:))
        func full(_ names: [String]) -> Bool { ModelInputs.usesFullFeatureNames(names.map { .init(name: $0, type: .float64) }, references) }
        #expect(full(["amount", "customer_stats__spend_7d"]))
        #expect(!full(["amount", "spend_7d"]))
        #expect(!full(["customer_stats__spend_7", "customer_stats_spend_7d", "customer_stats__spend_7d_x", "xcustomer_stats__spend_7d"]))
        #expect(!full(["merchants__rate", "merchants__*"]))
    }

    @Test func versionsWithDifferentInputsShareOneTable() throws {
        let first = [ModelFile.Signature.Input(name: "amount", type: .float64), .init(name: "count", type: .int64)]
        // The second version reorders the inputs, drops one and adds one named like a fixed column.
        let second = [ModelFile.Signature.Input(name: "unit", type: .string), .init(name: "amount", type: .float64)]
        var rows = PredictionLog.Rows()
        func add(_ id: String, version: Int64, inputs: [ModelFile.Signature.Input], values: [Scalar]) {
            rows.append(
                requestID: id, time: 1_000, version: version, inputs: inputs, value: { values[$0] },
                entities: { $0 += Array("{\"customer_id\":\"\(id)\"}".utf8) }, prediction: .int(1), probability: 0.75,
                latency: .init(total: 3, features: 1, scoring: 2), assignment: nil, unit: nil)
        }
        add("a", version: 1, inputs: first, values: [.double(1.5), .int(7)])
        add("b", version: 2, inputs: second, values: [.string("u1"), .double(2.5)])
        add("c", version: 1, inputs: first, values: [.double(3.5), .int(9)])
        let frame = try rows.frame()
        #expect(frame.schema.fields.map(\.name).prefix(PredictionLog.Rows.fixed.count) == ArraySlice(PredictionLog.Rows.fixed))
        #expect(frame["request_id"]?.string(at: 1) == "b" && frame["entities"]?.string(at: 2) == #"{"customer_id":"c"}"#)
        #expect(frame["amount"]?.doubles() == [1.5, 2.5, 3.5])
        #expect((0..<3).map { frame["count"]?.scalar(at: $0) } == [.int(7), .null, .int(9)])
        #expect((0..<3).map { frame["feature_unit"]?.scalar(at: $0) } == [.null, .string("u1"), .null])
        #expect(frame["model_version"]?.values.int64s == [1, 2, 1])
    }
}
