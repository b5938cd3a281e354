import Features
import Foundation
import KiteCore
import Learning
import ObjectStorage
import Parquet

/// A batch prediction job: scores entity rows as `kite serve` would at each row's time — the model's feature
/// service joined point in time from the offline store, on-demand features computed, then the model's
/// preprocessing and learner (`BatchScorer`, the server's scoring path) — and writes Parquet files partitioned by
/// the date of the row's time (or by a column): `OUTPUT/date=YYYY-MM-DD/part-SHARD-cCHUNK.parquet`.
///
/// It streams: the entity rows are read one row group (chunk) at a time and joined in passes of whole chunks up to
/// `rowsPerPass` rows, each pass reading every view's source once, row group by row group (`OfflineViewJoin`), so
/// memory holds a pass of entity rows with their features, neither the whole input nor the sources. Each
/// file is committed whole; after each chunk the job's state file (`_kite_batch[-I-of-N].json`, ignored by
/// Parquet readers for its leading underscore) lists the chunks done and their files, so rerunning an interrupted
/// job keeps them and scores the rest. The state file says `"complete": true` — with the model, its version, the
/// definitions version, the inputs and the row counts — only when every chunk is written: until then the output
/// is not complete.
public struct BatchPrediction: Sendable {
    /// One of N deterministic slices of the entity rows (by a hash of their join keys), so N workers split a job.
    public struct Shard: Sendable, Hashable {
        /// 0-based.
        public var index: Int
        public var count: Int

        /// Parses `I/N` (1-based I, as on the command line).
        public init(parsing text: String) throws {
            let parts = text.split(separator: "/")
            guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(i) else {
                throw KiteError.invalidArgument("a shard is I/N with 1 ≤ I ≤ N (e.g. 2/4), not '\(text)'")
            }
            (index, count) = (i - 1, n)
        }
    }

    /// What a run did.
    public struct Summary: Sendable, Equatable {
        /// Entity rows in this job's slice, and how many were scored (the others lack a value the model needs).
        public var rows = 0
        public var scored = 0
        public var files: [String] = []
        /// Chunks found done by an earlier run and kept.
        public var keptChunks = 0
        /// Entities written to the online store (with `online`; newer than what it held).
        public var onlineWritten = 0
    }

    public let scorer: BatchScorer
    /// The model as named (e.g. `fraud@champion`), and the version it resolved to.
    public let reference: String
    public let version: Int64
    public let definitionsVersion: Int
    /// One time for every row; nil to use each row's `timestampColumn`.
    public var at: Int64?
    public var timestampColumn = "event_timestamp"
    /// Partition the output by this column's values instead of by date.
    public var partitionBy: String?
    public var shard: Shard?
    /// Also writes each chunk's scored rows to the online store as this feature view.
    public var online: OnlineTarget?
    /// Adds each row's explanation as `shap_<input>` columns (`Explanations.columns(classes:)`).
    public var explain = false
    /// Entity rows joined per pass over the feature sources: a pass holds this many rows (whole chunks, at least
    /// one) with their features, and reads each view's source once.
    public var rowsPerPass = 1 << 20

    /// Predictions written online as a feature view, so callers read precomputed scores: each chunk's scored rows
    /// (the view's join keys, the row's time as the view source's timestamp, the view's features taken from the
    /// output's columns by name) pushed as `FeaturePush` does, the latest per entity kept. Rows left unscored are
    /// not written, so an entity keeps its last score.
    public struct OnlineTarget: Sendable {
        public let push: FeaturePush
        public let view: FeatureDefinitions.FeatureView

        /// `view` of `push`'s definitions; unknown views are errors.
        public init(push: FeaturePush, view: String) throws {
            self.push = push
            self.view = try push.definitions.view(named: view)
        }

        /// Refuses entity rows without the view's join keys, before anything is scored.
        func check(entities schema: Schema, entitiesName: String) throws {
            for key in push.definitions.joinKeys(of: view) where schema.index(of: key) == nil {
                throw KiteError.invalidArgument("--to-online \(view.name): \(entitiesName) has no join key '\(key)' of the view")
            }
        }

        /// The rows of `scored` (`scoredRows` of them) to push, in the view's columns; the entity rows' join keys
        /// were checked by `check(entities:entitiesName:)`.
        func rows(of scored: DataFrame, scoredRows: [Int], timestampColumn: String) throws -> DataFrame {
            let source = try push.definitions.source(of: view)
            var columns = try push.definitions.joinKeys(of: view).map { key in (key, try scored.column(key)) }
            columns.append((source.timestampField, try scored.column(timestampColumn)))
            for feature in view.schema {
                guard let column = scored[feature.name] else {
                    throw KiteError.invalidArgument(
                        "--to-online \(view.name): feature '\(feature.name)' is not a column of the predictions "
                            + "(they have: \(scored.schema.names.joined(separator: ", ")))")
                }
                columns.append((feature.name, column))
            }
            let frame = try DataFrame(columns)
            return scoredRows.count == frame.rowCount ? frame : try frame.take(scoredRows)
        }
    }

    public init(scorer: BatchScorer, reference: String, version: Int64, definitionsVersion: Int) {
        self.scorer = scorer
        self.reference = reference
        self.version = version
        self.definitionsVersion = definitionsVersion
    }

    /// The state file's name.
    public var stateKey: String { shard.map { "_kite_batch-\($0.index + 1)-of-\($0.count).json" } ?? "_kite_batch.json" }

    /// Scores `entities` (named `entitiesName` in the metadata) into `output`, reporting rows done to `progress`.
    public func run(
        entities: ParquetReader, entitiesName: String, builder: TrainingSetBuilder, output: any ObjectStore, progress: (Int) -> Void = { _ in }
    ) async throws -> Summary {
        if let partitionBy, entities.schema.index(of: partitionBy) == nil {
            throw KiteError.invalidArgument("\(entitiesName) has no column '\(partitionBy)' to partition by")
        }
        try online?.check(entities: entities.schema, entitiesName: entitiesName)
        let features = try self.features(entities: entities.schema, entitiesName: entitiesName, builder: builder)
        let shardKeys = Set(builder.definitions.featureViews.flatMap { builder.definitions.joinKeys(of: $0) }).filter {
            entities.schema.index(of: $0) != nil
        }.sorted()
        var state = try await loadState(output, entitiesName: entitiesName)
        var summary = Summary()
        var sources: [String: Int] = [:]
        var pass: [(chunk: Int, frame: DataFrame)] = []
        var passRows = 0
        var globalRow = 0
        for chunk in 0..<entities.rowGroupCount {
            let chunkRows = entities.metadata.rowGroups[chunk].rowCount
            let firstRow = globalRow
            globalRow += chunkRows
            if let done = state.chunks[String(chunk)] {
                summary.rows += done.rows
                summary.scored += done.scored
                summary.files += done.files
                summary.keptChunks += 1
                progress(chunkRows)
            } else {
                var frame = try await entities.readRowGroup(chunk)
                if let shard { frame = try frame.take(Self.rows(of: shard, in: frame, keys: shardKeys, firstRow: firstRow)) }
                if let at {
                    let times = DataColumn.timestamps(Array(repeating: at, count: frame.rowCount))
                    frame = try DataFrame(Array(zip(frame.schema.names, frame.columns)).filter { $0.0 != timestampColumn } + [(timestampColumn, times)])
                }
                pass.append((chunk, frame))
                passRows += frame.rowCount
            }
            if !pass.isEmpty && (passRows >= rowsPerPass || chunk == entities.rowGroupCount - 1) {
                let read = try await score(
                    pass, features: features, builder: builder, entitiesName: entitiesName, output: output, state: &state, summary: &summary
                ) {
                    progress(entities.metadata.rowGroups[$0].rowCount)
                }
                for (path, rows) in read { sources[path] = max(sources[path] ?? 0, rows) }
                (pass, passRows) = ([], 0)
            }
        }
        state.complete = true
        state.rows = summary.rows
        state.scored = summary.scored
        state.featureSources = sources.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        try await save(state, to: output)
        return summary
    }

    /// The model's feature service (and whether its inputs use full feature names), or nil when it has none (the
    /// entity rows must then hold every input); with a service, the entity rows need their time column unless
    /// every row is scored as of `at`.
    private func features(entities: Schema, entitiesName: String, builder: TrainingSetBuilder) throws -> (references: [FeatureReference], full: Bool)? {
        guard let service = scorer.model.signature.featureService else { return nil }
        if at == nil {
            guard let index = entities.index(of: timestampColumn), entities.fields[index].type == .timestamp else {
                throw KiteError.invalidArgument(
                    "\(entitiesName) has no timestamp column '\(timestampColumn)' (columns: \(entities.names.joined(separator: ", "))); "
                        + "name each row's time column with --timestamp-column, or score every row as of one time with --at")
            }
        }
        let references = try builder.references(service: service)
        return (references, ModelInputs.usesFullFeatureNames(scorer.model.signature.inputs, references))
    }

    /// Scores one pass of chunks: their rows joined with the features at once (each view's source read once for
    /// them all), then each chunk scored, written and recorded in the state file as it finishes. Returns the
    /// feature rows read per source file.
    private func score(
        _ pass: [(chunk: Int, frame: DataFrame)], features: (references: [FeatureReference], full: Bool)?, builder: TrainingSetBuilder,
        entitiesName: String, output: any ObjectStore, state: inout State, summary: inout Summary, finished: (Int) -> Void
    ) async throws -> [(path: String, rows: Int)] {
        let rows = try DataFrame.concatenate(pass.map(\.frame))
        let joined: DataFrame
        var read: [(path: String, rows: Int)] = []
        if let features {
            let built = try await builder.build(entities: rows, timestamp: timestampColumn, features: features.references, fullFeatureNames: features.full)
            (joined, read) = (built.frame, built.lineage.sources)
        } else {
            joined = rows
        }
        // Chunks are scored and written a few at once (one per core); each is recorded as it finishes.
        var starts = [0]
        for (_, frame) in pass.dropLast() { starts.append(starts[starts.count - 1] + frame.rowCount) }
        try await withThrowingTaskGroup(of: (position: Int, scored: Int, files: [String], online: DataFrame?).self) { group in
            func add(_ position: Int) {
                let (chunk, frame, first) = (pass[position].chunk, pass[position].frame, starts[position])
                group.addTask {
                    guard frame.rowCount > 0 else { return (position, 0, [], nil) }
                    let scored = try score(frame, joined: try joined.slice(first..<(first + frame.rowCount)), entitiesName: entitiesName)
                    let onlineRows = try online.map { try $0.rows(of: scored.frame, scoredRows: scored.rows, timestampColumn: timestampColumn) }
                    return (position, scored.rows.count, try await write(scored.frame, chunk: chunk, entitiesName: entitiesName, to: output), onlineRows)
                }
            }
            var next = 0
            while next < Swift.min(pass.count, Parallel.cores) {
                add(next)
                next += 1
            }
            while let done = try await group.next() {
                if next < pass.count {
                    add(next)
                    next += 1
                }
                let (chunk, frame) = pass[done.position]
                if let online, let rows = done.online {
                    summary.onlineWritten += try await online.push.push(rows, view: online.view.name, to: .online).onlineWritten
                }
                let chunkState = State.Chunk(rows: frame.rowCount, scored: done.scored, files: done.files)
                summary.rows += chunkState.rows
                summary.scored += chunkState.scored
                summary.files += chunkState.files
                state.chunks[String(chunk)] = chunkState
                try await save(state, to: output)
                finished(chunk)
            }
        }
        return read
    }

    /// `frame` with the prediction columns and `model_version` added, the model's inputs taken from `joined` (the
    /// same rows with their features); rows missing a value the model cannot take get null predictions.
    private func score(_ frame: DataFrame, joined: DataFrame, entitiesName: String) throws -> (frame: DataFrame, rows: [Int]) {
        let model = scorer.model
        var inputs: [(String, DataColumn)] = []
        var complete = [Bool](repeating: true, count: frame.rowCount)
        for input in model.signature.inputs {
            guard let column = joined[input.name] else {
                throw KiteError.invalidArgument(
                    "the model needs '\(input.name)', which is neither a feature of its service\(model.signature.featureService.map { " '\($0)'" } ?? "") nor a column of \(entitiesName)"
                )
            }
            let typed =
                column.type == input.type ? column : try DataColumn(scalars: (0..<column.count).map(column.scalar(at:)), type: input.type)
            if !model.acceptsMissing(input.name), let validity = typed.validity {
                for row in 0..<frame.rowCount where !validity[row] { complete[row] = false }
            }
            inputs.append((input.name, typed))
        }
        let rows = complete.indices.filter { complete[$0] }
        var inputFrame = try DataFrame(inputs)
        if rows.count < frame.rowCount { inputFrame = try inputFrame.take(rows) }
        let features = try model.preprocessor.transform(inputFrame)
        var predicted = try scorer.predictions(features: features).columns
        if explain { predicted += try scorer.explanations(features: features).columns(classes: model.signature.classes) }
        var columns = Array(zip(frame.schema.names, frame.columns))
        for (name, column) in predicted {
            guard frame[name] == nil else { throw KiteError.invalidArgument("\(entitiesName) already has a column '\(name)'; rename it before scoring") }
            var positions = [Int](repeating: -1, count: frame.rowCount)
            for (position, row) in rows.enumerated() { positions[row] = position }
            columns.append((name, rows.count == frame.rowCount ? column : try column.take(nullableIndices: positions)))
        }
        columns.append(("model_version", .int64s(Array(repeating: version, count: frame.rowCount))))
        return (try DataFrame(columns), rows)
    }

    /// Writes a scored chunk, one file per partition; returns the files' keys.
    private func write(_ frame: DataFrame, chunk: Int, entitiesName: String, to output: any ObjectStore) async throws -> [String] {
        var partitions: [String: [Int]] = [:]
        if let partitionBy {
            partitions = Self.partitions(of: try frame.column(partitionBy), named: partitionBy)
        } else {
            // Rows grouped by day number, each day's name made once (not a string per row).
            var days: [Int64?: [Int]] = [:]
            for (row, time) in try PointInTimeJoin.timestamps(frame, timestampColumn, what: entitiesName).enumerated() {
                days[time == .min ? nil : Timestamp.floorDivide(time, Timestamp.microsPerDay).quotient, default: []].append(row)
            }
            for (day, rows) in days {
                partitions["date=\(day.map { Timestamp.formatDate(Int32(clamping: $0)) } ?? "__null__")"] = rows
            }
        }
        var configuration = ParquetWriter.Configuration()
        configuration.keyValueMetadata = [
            ("kite.model", reference), ("kite.model_version", String(version)), ("kite.definitions_version", String(definitionsVersion)),
            ("kite.entities", entitiesName),
        ]
        let part = shard.map { "\($0.index + 1)-of-\($0.count)" } ?? "1-of-1"
        var files: [String] = []
        for (partition, rows) in partitions.sorted(by: { $0.key < $1.key }) {
            let key = "\(partition)/part-\(part)-c\(chunk).parquet"
            let slice = rows.count == frame.rowCount ? frame : try frame.take(rows)
            let writer = try await ParquetWriter(sink: try await output.makeSink(for: key), schema: slice.schema, configuration: configuration)
            do {
                try await writer.write(slice)
                try await writer.close()
            } catch {
                await writer.abort()
                throw error
            }
            files.append(key)
        }
        return files
    }

    /// The rows of `column` by partition (`name=value`, `name=__null__`), in ascending order: rows are grouped by
    /// value and each value's name made once (values that print alike, such as NaNs, share a partition).
    static func partitions(of column: DataColumn, named name: String) -> [String: [Int]] {
        var groups: [Scalar: [Int]] = [:]
        var nans: [Int] = []
        for row in 0..<column.count {
            let value = column.scalar(at: row)
            // NaN is not equal to itself: as a dictionary key each NaN would make a group of its own.
            if !value.isNull, value.number?.isNaN == true { nans.append(row) } else { groups[value, default: []].append(row) }
        }
        var partitions: [String: [Int]] = [:]
        for (value, rows) in groups.map({ ($0.key, $0.value) }) + (nans.first.map { [(column.scalar(at: $0), nans)] } ?? []) {
            let partition = "\(name)=\(escape(ValueText.text(value) ?? "__null__"))"
            if let earlier = partitions[partition] {
                partitions[partition] = (earlier + rows).sorted()
            } else {
                partitions[partition] = rows
            }
        }
        return partitions
    }

    /// A partition value safe in a path: `/`, `%`, `=` and control characters percent-encoded.
    static func escape(_ value: String) -> String {
        var out: [UInt8] = []
        for byte in value.utf8 {
            if byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "=") {
                out += Array(String(format: "%%%02X", byte).utf8)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The rows of `frame` in `shard`: by a hash of their join keys' text (so an entity's rows stay together),
    /// or by position in the file when the rows have no join keys.
    static func rows(of shard: Shard, in frame: DataFrame, keys: [String], firstRow: Int) -> [Int] {
        let columns = keys.compactMap { frame[$0] }
        guard !columns.isEmpty else { return (0..<frame.rowCount).filter { (firstRow + $0) % shard.count == shard.index } }
        return (0..<frame.rowCount).filter { row in
            var hash: UInt64 = 0x5348_4152_4453_0001
            for column in columns {
                var text = ValueText.text(column.scalar(at: row)) ?? ""
                hash = text.withUTF8 { FastHash.bytes(UnsafeRawBufferPointer($0), 0, $0.count, seed: hash) }
            }
            return Int(hash % UInt64(shard.count)) == shard.index
        }
    }

    private func save(_ state: State, to output: any ObjectStore) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try await output.put(stateKey, bytes: Array(try encoder.encode(state)))
    }

    /// The job's state file: which chunks are done, and — once complete — what the output was made from.
    struct State: Codable, Equatable {
        struct Chunk: Codable, Equatable {
            var rows: Int
            var scored: Int
            var files: [String]
        }

        var model: String
        var modelVersion: Int64
        var definitionsVersion: Int
        var entities: String
        var at: Int64?
        var timestampColumn: String
        var partitionBy: String?
        var shard: String?
        var toOnline: String?
        var chunks: [String: Chunk] = [:]
        var complete = false
        var rows = 0
        var scored = 0
        var featureSources: [String] = []

        /// Whether an earlier run's state describes the same job.
        func sameJob(as other: State) -> Bool { job == other.job }

        /// The state without its progress.
        private var job: State {
            var job = self
            (job.chunks, job.complete, job.rows, job.scored, job.featureSources) = ([:], false, 0, 0, [])
            return job
        }
    }

    /// This job's state: an earlier run's when it was the same job (its chunks are kept), else a fresh one (an
    /// earlier different job's files are deleted first).
    private func loadState(_ output: any ObjectStore, entitiesName: String) async throws -> State {
        let fresh = State(
            model: reference, modelVersion: version, definitionsVersion: definitionsVersion, entities: entitiesName, at: at, timestampColumn: timestampColumn,
            partitionBy: partitionBy, shard: shard.map { "\($0.index + 1)/\($0.count)" }, toOnline: online?.view.name)
        guard let bytes = try? await output.get(stateKey), let earlier = try? JSONDecoder().decode(State.self, from: Data(bytes)) else { return fresh }
        if earlier.sameJob(as: fresh) {
            var kept = earlier
            kept.complete = false
            return kept
        }
        for file in earlier.chunks.values.flatMap(\.files) { try? await output.delete(file) }
        return fresh
    }
}
