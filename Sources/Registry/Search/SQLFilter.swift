import Foundation
import KiteCore

/// Turns parsed MLflow filters and `order_by` items into SQL for one searchable table, given how each
/// entity's key reads in SQL there.
struct SQLFilter {
    /// A clause's left-hand side in SQL, its bound values, and whether it holds numbers.
    struct Subject {
        var sql: String
        var values: [SQLValue]
        var numeric: Bool
        /// Set for a key of a (owner, key, value) table: its filters become one set-based lookup on the table's
        /// (key, value) index, `outer IN (SELECT owner … WHERE key = ? AND value > ?)`, instead of one correlated
        /// lookup per searched row.
        var keyed: Keyed? = nil
        /// What orderings sort by when it differs from `sql` (a bare column an index can stream), and whether it is
        /// never null (then no null-last term is needed, which would keep the index from being used).
        var ordering: String? = nil
        var notNull = false

        struct Keyed {
            var table: String
            var owner: String
            var outer: String
            var key: String
        }

        /// A time column (microseconds) as MLflow's filters compare it: in milliseconds. Orderings sort by the
        /// column itself — the same order, finer within a millisecond — so its index serves them.
        static func millis(_ column: String, notNull: Bool = false) -> Subject {
            Subject(sql: "(\(column) / 1000)", values: [], numeric: true, ordering: column, notNull: notNull)
        }

        /// The value of `key` in `table`, whose `owner` column refers to the searched row's `outer` column.
        static func keyed(table: String, owner: String, outer: String, key: String, numeric: Bool) -> Subject {
            Subject(
                sql: "(SELECT value FROM \(table) k WHERE k.\(owner) = \(outer) AND k.key = ?)", values: [.text(key)], numeric: numeric,
                keyed: Keyed(table: table, owner: owner, outer: outer, key: key))
        }
    }

    var dialect: SQLDialect
    /// How bare keys (`name`) are read, for searches whose filters name attributes without `attributes.`.
    var bareKeys: RunFilter.Entity?
    /// Whether `tags.k != 'v'` matches rows without the tag (MLflow's model searches: its client adds
    /// ``tags.`mlflow.prompt.is_prompt` != 'true'`` to every registered-model search).
    var missingTagsDiffer = false
    var subject: (RunFilter.Entity, String) throws -> Subject

    /// The SQL conditions of `filter`, joined by AND, and their bound values; nil for an empty filter.
    func conditions(_ filter: String) throws -> (sql: [String], values: [SQLValue]) {
        var sql: [String] = []
        var values: [SQLValue] = []
        for clause in try RunFilter(parsing: filter, bareKeys: bareKeys).clauses {
            let (condition, bound) = try self.condition(clause)
            sql.append(condition)
            values += bound
        }
        return (sql, values)
    }

    private func condition(_ clause: RunFilter.Clause) throws -> (String, [SQLValue]) {
        let subject = try self.subject(clause.entity, clause.key)
        guard let keyed = subject.keyed else { return try condition(clause, on: subject) }
        let owners = "\(keyed.outer) IN (SELECT k.\(keyed.owner) FROM \(keyed.table) k WHERE k.key = ?"
        let key = SQLValue.text(keyed.key)
        switch (clause.comparator, clause.value) {
        case (.isNull, _): return ("NOT \(owners))", [key])
        case (.isNotNull, _): return ("\(owners))", [key])
        case (.notEqual, .string(let text)) where missingTagsDiffer && clause.entity == .tag:
            return ("NOT \(owners) AND k.value = ?)", [key, .text(text)])
        default:
            let (predicate, values) = try condition(clause, on: Subject(sql: "k.value", values: [], numeric: subject.numeric))
            return ("\(owners) AND \(predicate))", [key] + values)
        }
    }

    /// `clause` as a condition on `subject`'s SQL.
    private func condition(_ clause: RunFilter.Clause, on subject: Subject) throws -> (String, [SQLValue]) {
        let s = subject.sql
        switch (clause.comparator, clause.value) {
        case (.isNull, _): return ("\(s) IS NULL", subject.values)
        case (.isNotNull, _): return ("\(s) IS NOT NULL", subject.values)
        case (.in, .list(let items)), (.notIn, .list(let items)):
            let not = clause.comparator == .notIn ? "NOT " : ""
            return ("\(s) \(not)IN (\(items.map { _ in "?" }.joined(separator: ",")))", subject.values + items.map { .text($0) })
        case (.like, .string(let pattern)), (.ilike, .string(let pattern)):
            guard !subject.numeric else { throw KiteError.invalidArgument("LIKE does not apply to '\(clause.key)', which holds numbers") }
            let insensitive = clause.comparator == .ilike
            switch dialect {
            case .postgres: return ("\(s) \(insensitive ? "ILIKE" : "LIKE") ?", subject.values + [.text(pattern)])
            case .sqlite:
                // MLflow's LIKE is case-sensitive; SQLite's is not, so it becomes a GLOB.
                return insensitive
                    ? ("LOWER(\(s)) GLOB ?", subject.values + [.text(Self.glob(pattern.lowercased()))])
                    : ("\(s) GLOB ?", subject.values + [.text(Self.glob(pattern))])
            }
        case (let comparator, .number(let number)):
            guard subject.numeric else {
                throw KiteError.invalidArgument("'\(clause.key)' holds text: compare it with a quoted string, not \(number)")
            }
            return ("\(s) \(comparator.rawValue) ?", subject.values + [.real(number)])
        case (.notEqual, .string(let text)) where missingTagsDiffer && clause.entity == .tag:
            return ("(\(s) IS NULL OR \(s) != ?)", subject.values + subject.values + [.text(text)])
        case (let comparator, .string(let text)):
            guard !subject.numeric else {
                throw KiteError.invalidArgument("'\(clause.key)' holds numbers: compare it with a number, not '\(text)'")
            }
            guard [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual].contains(comparator) else { break }
            return ("\(s) \(comparator.rawValue) ?", subject.values + [.text(text)])
        default: break
        }
        throw KiteError.invalidArgument("'\(clause.comparator.rawValue)' does not fit the value given for '\(clause.key)'")
    }

    /// The conditions of `filter` and the orderings of `orderBy`, with their bound values in statement order.
    func translate(filter: String, orderBy: [String]) throws -> (conditions: [String], order: [String], values: [SQLValue]) {
        let (conditions, filterValues) = try self.conditions(filter)
        var values = filterValues
        var order: [String] = []
        for item in orderBy {
            let (sql, bound) = try ordering(item)
            order.append(sql)
            values += bound
        }
        return (conditions, order, values)
    }

    /// An `order_by` item (`metrics.rmse DESC`, `name`) as SQL; rows without the value sort last either way.
    func ordering(_ item: String) throws -> (sql: String, values: [SQLValue]) {
        let (subject, direction) = try orderingSubject(item)
        if let column = subject.ordering {
            return (subject.notNull ? "\(column) \(direction)" : "(CASE WHEN \(column) IS NULL THEN 1 ELSE 0 END), \(column) \(direction)", [])
        }
        return ("(CASE WHEN \(subject.sql) IS NULL THEN 1 ELSE 0 END), \(subject.sql) \(direction)", subject.values + subject.values)
    }

    /// What an `order_by` item sorts by, and `ASC` or `DESC`.
    func orderingSubject(_ item: String) throws -> (subject: Subject, direction: String) {
        var words = item.split(separator: " ").map(String.init)
        var direction = "ASC"
        if let last = words.last?.uppercased(), last == "ASC" || last == "DESC", words.count > 1 {
            direction = last
            words.removeLast()
        }
        guard !words.isEmpty else { throw KiteError.invalidArgument("invalid order_by '\(item)'") }
        let (entity, key) = try RunFilter.identifier(parsing: words.joined(separator: " "), bareKeys: bareKeys ?? .attribute)
        return (try self.subject(entity, key), direction)
    }

    /// A LIKE pattern as a GLOB.
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
}

/// The opaque `next_page_token` of searches: an offset into the ordered results.
public enum PageToken {
    public static func make(offset: Int) -> String { Data("offset:\(offset)".utf8).base64EncodedString() }

    public static func offset(_ token: String?) throws -> Int {
        guard let token, !token.isEmpty else { return 0 }
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("offset:"), let offset = Int(text.dropFirst(7)), offset >= 0
        else { throw KiteError.invalidArgument("invalid page token '\(token)'") }
        return offset
    }

    /// Checks a `max_results` against the search's limit.
    static func check(maxResults: Int, limit: Int) throws {
        guard (1...limit).contains(maxResults) else {
            throw KiteError.invalidArgument("max_results must be between 1 and \(limit), not \(maxResults)")
        }
    }
}
