import KiteCore
import Registry
import Testing

/// MLflow's search filter grammar, as the `mlflow` client sends it.
@Suite struct RunFilterTests {
    typealias Clause = RunFilter.Clause

    @Test func emptyMatchesEverything() throws {
        #expect(try RunFilter(parsing: "").clauses.isEmpty)
        #expect(try RunFilter(parsing: "   ").clauses.isEmpty)
    }

    @Test(arguments: RunFilter.Comparator.allCases.filter { ["=", "!=", "<", "<=", ">", ">="].contains($0.rawValue) })
    func everyNumericComparatorOnMetrics(comparator: RunFilter.Comparator) throws {
        let filter = try RunFilter(parsing: "metrics.rmse \(comparator.rawValue) 0.5")
        #expect(filter.clauses == [Clause(entity: .metric, key: "rmse", comparator: comparator, value: .number(0.5))])
    }

    @Test func paramsTagsAttributesAndQuoting() throws {
        let filter = try RunFilter(
            parsing: """
                params.model = 'gbdt' and tags.`team name` LIKE 'risk%' AND tags."mlflow.runName" ILIKE "%Nightly%" \
                AND attributes.status != 'FAILED' AND metrics.`val loss` <= -1.5e-3 AND run.run_id IN ('a1', 'b2') \
                AND tags.owner IS NULL AND params.seed IS NOT NULL AND attributes.run_name NOT IN ('x')
                """)
        #expect(
            filter.clauses == [
                Clause(entity: .param, key: "model", comparator: .equal, value: .string("gbdt")),
                Clause(entity: .tag, key: "team name", comparator: .like, value: .string("risk%")),
                Clause(entity: .tag, key: "mlflow.runName", comparator: .ilike, value: .string("%Nightly%")),
                Clause(entity: .attribute, key: "status", comparator: .notEqual, value: .string("FAILED")),
                Clause(entity: .metric, key: "val loss", comparator: .lessOrEqual, value: .number(-1.5e-3)),
                Clause(entity: .attribute, key: "run_id", comparator: .in, value: .list(["a1", "b2"])),
                Clause(entity: .tag, key: "owner", comparator: .isNull, value: .none),
                Clause(entity: .param, key: "seed", comparator: .isNotNull, value: .none),
                Clause(entity: .attribute, key: "run_name", comparator: .notIn, value: .list(["x"])),
            ])
        #expect(try RunFilter(parsing: "params.path = 'a\\'b'").clauses[0].value == .string("a'b"))
        #expect(try RunFilter(parsing: "metrics.acc>0.9").clauses[0].comparator == .greater)
        #expect(try RunFilter(parsing: "metric.a.b/c = 1").clauses[0].key == "a.b/c")
    }

    @Test(arguments: [
        "rmse < 1", "metrics.rmse", "metrics.rmse <", "metrics.rmse < 'high'", "metrics.rmse LIKE '1%'",
        "colours.red = 1", "params.a = 'x' OR params.b = 'y'", "params.a = 'unterminated", "params.a == 'x'",
        "params.a ! 'x'", "metrics.a = 1 AND", "tags.a IS 'x'", "metrics.a IS NULL", "params.a IN ('x')",
        "attributes.run_id IN ('a', 'b'", "attributes.run_id IN 'a'", "params.a = `x`", "metrics. = 1", "params.alpha > 0.5", "tags.n = 1",
    ])
    func malformedFiltersAreInvalidArguments(text: String) {
        #expect {
            try RunFilter(parsing: text)
        } throws: { error in
            let error = error as? KiteError
            return error?.code == .invalidArgument && error?.message.contains("invalid filter") == true
        }
    }
}
