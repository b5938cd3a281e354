import Foundation
import GRDB
import KiteCore

extension TrackingStore {
    /// One page of a run search and the token of the next page, if any.
    public struct RunPage: Sendable {
        public var runs: [Run]
        public var nextPageToken: String?
    }

    /// Runs of `experimentIDs` that pass `filter` (MLflow's grammar), ordered by `orderBy` (`metrics.rmse DESC`,
    /// `attributes.start_time`, …; default newest first), `maxResults` at a time (at most 50,000).
    public func searchRuns(
        experimentIDs: [String], filter: String = "", orderBy: [String] = [], maxResults: Int = 1000,
        pageToken: String? = nil
    ) throws -> RunPage {
        guard (1...50_000).contains(maxResults) else {
            throw KiteError.invalidArgument("max_results must be between 1 and 50000, not \(maxResults)")
        }
        let parsed = try RunFilter(parsing: filter)
        var conditions = ["run.lifecycle_stage = 'active'"]
        var arguments: [(any DatabaseValueConvertible)?] = []
        let ids = experimentIDs.compactMap { Int($0) }
        guard ids.count == experimentIDs.count, !ids.isEmpty else {
            throw KiteError.invalidArgument("experiment ids must be numbers, and at least one is needed")
        }
        conditions.append("run.experiment_id IN (\(ids.map { _ in "?" }.joined(separator: ",")))")
        arguments += ids.map { $0 }
        for clause in parsed.clauses {
            let (sql, values) = try Self.condition(clause)
            conditions.append(sql)
            arguments += values
        }
        var order: [String] = []
        for item in orderBy {
            let (sql, values) = try Self.ordering(item)
            order.append(sql)
            arguments += values
        }
        order += ["run.start_time DESC", "run.id ASC"]
        let offset = try pageToken.map(Self.offset(from:)) ?? 0
        let sql = "SELECT run.id FROM run WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order.joined(separator: ", ")) LIMIT ? OFFSET ?"
        arguments += [maxResults + 1, offset]
        let found = try readRows { db in
            try String.fetchAll(db, sql: sql, arguments: StatementArguments(arguments) ?? [])
        }
        let runs = try found.prefix(maxResults).map { try run(id: $0) }
        let next = found.count > maxResults ? Data("offset:\(offset + maxResults)".utf8).base64EncodedString() : nil
        return RunPage(runs: runs, nextPageToken: next)
    }

    private static func offset(from token: String) throws -> Int {
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("offset:"), let offset = Int(text.dropFirst(7)), offset >= 0
        else { throw KiteError.invalidArgument("invalid page token '\(token)'") }
        return offset
    }

    /// The SQL expression that gives a clause's left-hand side for the current run.
    private static func subject(_ entity: RunFilter.Entity, _ key: String) throws -> (String, [(any DatabaseValueConvertible)?]) {
        switch entity {
        case .metric:
            return ("(SELECT value FROM metric m WHERE m.run_id = run.id AND m.key = ? ORDER BY step DESC, timestamp DESC, rowid DESC LIMIT 1)", [key])
        case .param:
            return ("(SELECT value FROM param p WHERE p.run_id = run.id AND p.key = ?)", [key])
        case .tag:
            return ("(SELECT value FROM run_tag t WHERE t.run_id = run.id AND t.key = ?)", [key])
        case .attribute:
            let columns = [
                "run_id": "run.id", "run_name": "run.name", "status": "run.status", "start_time": "run.start_time",
                "end_time": "run.end_time", "artifact_uri": "run.artifact_uri", "lifecycle_stage": "run.lifecycle_stage",
            ]
            guard let column = columns[key] else {
                throw KiteError.invalidArgument("unknown run attribute '\(key)'; attributes are \(columns.keys.sorted().joined(separator: ", "))")
            }
            return (column, [])
        case .dataset:
            throw KiteError.unsupported("dataset filters are not supported yet")
        }
    }

    private static func condition(_ clause: RunFilter.Clause) throws -> (String, [(any DatabaseValueConvertible)?]) {
        let (subject, subjectArguments) = try subject(clause.entity, clause.key)
        switch (clause.comparator, clause.value) {
        case (.isNull, _): return ("\(subject) IS NULL", subjectArguments)
        case (.isNotNull, _): return ("\(subject) IS NOT NULL", subjectArguments)
        case (.in, .list(let items)), (.notIn, .list(let items)):
            let not = clause.comparator == .notIn ? "NOT " : ""
            return ("\(subject) \(not)IN (\(items.map { _ in "?" }.joined(separator: ",")))", subjectArguments + items.map { $0 })
        case (.like, .string(let pattern)):
            return ("\(subject) GLOB ?", subjectArguments + [glob(pattern)])
        case (.ilike, .string(let pattern)):
            return ("LOWER(\(subject)) GLOB ?", subjectArguments + [glob(pattern.lowercased())])
        case (let comparator, .number(let number)):
            return ("\(subject) \(comparator.rawValue) ?", subjectArguments + [number])
        case (let comparator, .string(let text)):
            return ("\(subject) \(comparator.rawValue) ?", subjectArguments + [text])
        default:
            throw KiteError.invalidArgument("'\(clause.comparator.rawValue)' does not fit the value given for '\(clause.key)'")
        }
    }

    /// A LIKE pattern as a case-sensitive GLOB (MLflow's LIKE is case-sensitive; SQLite's is not).
    private static func glob(_ like: String) -> String {
        var out = ""
        for character in like {
            switch character {
            case "%": out += "*"
            case "_": out += "?"
            case "*", "?", "[", "]": out += "[\(character)]"
            default: out.append(character)
            }
        }
        return out
    }

    private static func ordering(_ item: String) throws -> (String, [(any DatabaseValueConvertible)?]) {
        var words = item.split(separator: " ").map(String.init)
        var direction = "ASC"
        if let last = words.last?.uppercased(), last == "ASC" || last == "DESC", words.count > 1 {
            direction = last
            words.removeLast()
        }
        let filter = try RunFilter(parsing: words.joined(separator: " ") + " = 0")
        guard let clause = filter.clauses.first else { throw KiteError.invalidArgument("invalid order_by '\(item)'") }
        let (subject, arguments) = try subject(clause.entity, clause.key)
        // Runs without the value sort last either way, as MLflow does.
        return ("(\(subject) IS NULL), \(subject) \(direction)", arguments + arguments)
    }
}
