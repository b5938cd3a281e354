import Foundation
import KiteCore
import Pipelines
import Testing

/// Pipeline files: steps become kite command lines; mistakes name their file and line.
@Suite struct PipelineFileTests {
    static let nightly = """
        name: nightly
        schedule: "0 2 * * *"
        timezone: Europe/Berlin
        catchup: all
        steps:
          - name: materialize
            materialize-incremental: {views: [customer_stats, merchant_stats]}
          - name: score
            depends_on: [materialize]
            batch-predict: {model: fraud@champion, entities: data/labels.parquet, out: "scores/{{ ds }}", at: "{{ ts }}", shards: 2}
            retries: 2
            retry_delay: 10s
            timeout: 1h
          - name: report
            depends_on: [score]
            command: [models, list]
        """

    @Test func stepsBecomeCommandLines() throws {
        let pipeline = try PipelineFile.parse(Self.nightly, file: "pipelines/nightly.yaml")
        #expect(pipeline.name == "nightly" && pipeline.catchUp == .all && pipeline.schedule?.timeZoneName == "Europe/Berlin")
        let at = try Timestamp.parse("2026-03-05T01:00:00Z")
        let steps = try pipeline.order()
        #expect(steps.map(\.name) == ["materialize", "score", "report"])
        #expect(steps[0].commands(logicalTime: at) == [["materialize-incremental", "2026-03-05T01:00:00Z", "--views", "customer_stats,merchant_stats"]])
        let score = ["batch-predict", "fraud@champion", "--entities", "data/labels.parquet", "--out", "scores/2026-03-05", "--at", "2026-03-05T01:00:00Z"]
        #expect(steps[1].commands(logicalTime: at) == [score + ["--shard", "1/2"], score + ["--shard", "2/2"]])
        #expect(steps[1].retries == 2 && steps[1].timeout?.description == "1h")
        #expect(steps[1].delay(beforeAttempt: 2) == 10_000_000 && steps[1].delay(beforeAttempt: 3) == 20_000_000)
        #expect(steps[2].commands(logicalTime: at) == [["models", "list"]])
    }

    @Test func mistakesNameFileAndLine() {
        func refused(_ yaml: String, _ message: String, line: Int) {
            #expect {
                _ = try PipelineFile.parse(yaml, file: "p.yaml")
            } throws: { error in
                let text = (error as? KiteError)?.message ?? ""
                return text.contains("p.yaml:\(line)") && text.contains(message)
            }
        }
        refused(Self.nightly.replacingOccurrences(of: "0 2 * * *", with: "0 25 * * *"), "outside 0–23", line: 2)
        refused(Self.nightly.replacingOccurrences(of: "depends_on: [score]", with: "depends_on: [scor]"), "depends on 'scor'", line: 14)
        refused(
            Self.nightly.replacingOccurrences(of: "depends_on: [materialize]", with: "depends_on: [report]"), "in a cycle", line: 1)
        refused(Self.nightly.replacingOccurrences(of: "command: [models, list]", with: "train: {config: a.yaml}\n    command: [x]"), "exactly one of", line: 14)
        refused(Self.nightly.replacingOccurrences(of: "catchup: all", with: "catchup: sometimes"), "catchup must be one of", line: 4)
        refused(Self.nightly.replacingOccurrences(of: "retry_delay: 10s", with: "retry_delay: soon"), "not a duration", line: 12)
        refused(Self.nightly.replacingOccurrences(of: "shards: 2", with: "shardz: 2"), "shardz", line: 10)
    }
}
