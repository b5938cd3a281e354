import KiteCore

/// A parsed MLflow search filter: clauses joined by AND, as `mlflow.search_runs(filter_string=...)` sends them,
/// e.g. `metrics.rmse < 0.5 AND params.model = 'gbdt' AND tags.\`team name\` LIKE 'risk%'`.
public struct RunFilter: Sendable, Hashable {
    /// What a clause compares: a metric, param, tag, run attribute or dataset field.
    public enum Entity: String, Sendable, Hashable {
        case metric, param, tag, attribute, dataset
    }

    /// How a clause compares.
    public enum Comparator: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case like = "LIKE"
        case ilike = "ILIKE"
        case isNull = "IS NULL"
        case isNotNull = "IS NOT NULL"
        case `in` = "IN"
        case notIn = "NOT IN"
    }

    /// The right-hand side of a clause.
    public enum Value: Sendable, Hashable {
        case number(Double)
        case string(String)
        case list([String])
        case none
    }

    /// One `entity.key comparator value`.
    public struct Clause: Sendable, Hashable {
        public var entity: Entity
        public var key: String
        public var comparator: Comparator
        public var value: Value

        /// A clause from its parts.
        public init(entity: Entity, key: String, comparator: Comparator, value: Value) {
            self.entity = entity
            self.key = key
            self.comparator = comparator
            self.value = value
        }
    }

    /// The clauses, all of which must hold.
    public var clauses: [Clause]

    /// Parses MLflow's filter grammar; an empty string matches everything. Errors say what and where, for
    /// MLflow's INVALID_PARAMETER_VALUE answer. Searches of experiments and models name attributes bare
    /// (`name LIKE 'fraud%'`): pass `bareKeys: .attribute` for them.
    public init(parsing text: String, bareKeys: Entity? = nil) throws {
        var lexer = Lexer(Array(text), bareKeys: bareKeys)
        var clauses: [Clause] = []
        if try lexer.peek() == nil {
            self.clauses = []
            return
        }
        while true {
            clauses.append(try lexer.clause())
            guard let next = try lexer.next() else { break }
            guard case .word(let word) = next, word.uppercased() == "AND" else {
                throw lexer.fail("expected AND between clauses, found \(next)")
            }
        }
        self.clauses = clauses
    }

    /// Parses one `entity.key` (as `order_by` names it), nothing after it.
    public static func identifier(parsing text: String, bareKeys: Entity? = nil) throws -> (entity: Entity, key: String) {
        var lexer = Lexer(Array(text), bareKeys: bareKeys)
        let identifier = try lexer.identifier()
        if let extra = try lexer.next() { throw lexer.fail("unexpected \(extra) after the key") }
        return identifier
    }

    enum Token: Equatable, CustomStringConvertible {
        case word(String)
        case quoted(String, Character)
        case number(Double)
        case symbol(String)
        case open, close, comma

        var description: String {
            switch self {
            case .word(let w): "'\(w)'"
            case .quoted(let s, let q): "\(q)\(s)\(q)"
            case .number(let n): "\(n)"
            case .symbol(let s): "'\(s)'"
            case .open: "'('"
            case .close: "')'"
            case .comma: "','"
            }
        }
    }

    struct Lexer {
        let text: [Character]
        var position = 0
        var peeked: Token?
        var tokenStart = 0

        let bareKeys: Entity?

        init(_ text: [Character], bareKeys: Entity?) {
            self.text = text
            self.bareKeys = bareKeys
        }

        func fail(_ message: String) -> KiteError {
            KiteError.invalidArgument("invalid filter '\(String(text))': \(message) (at character \(tokenStart + 1))")
        }

        mutating func peek() throws -> Token? {
            if peeked == nil { peeked = try lex() }
            return peeked
        }

        mutating func next() throws -> Token? {
            if let token = peeked {
                peeked = nil
                return token
            }
            return try lex()
        }

        private mutating func lex() throws -> Token? {
            while position < text.count, text[position].isWhitespace { position += 1 }
            tokenStart = position
            guard position < text.count else { return nil }
            let c = text[position]
            switch c {
            case "(":
                position += 1
                return .open
            case ")":
                position += 1
                return .close
            case ",":
                position += 1
                return .comma
            case "'", "\"", "`":
                position += 1
                var value = ""
                while position < text.count, text[position] != c {
                    if text[position] == "\\", position + 1 < text.count {
                        position += 1
                    }
                    value.append(text[position])
                    position += 1
                }
                guard position < text.count else { throw fail("unterminated \(c)-quoted string") }
                position += 1
                return .quoted(value, c)
            case "=", "!", "<", ">":
                var symbol = String(c)
                position += 1
                if position < text.count, text[position] == "=" {
                    symbol.append("=")
                    position += 1
                }
                guard symbol != "!" else { throw fail("'!' must be followed by '='") }
                return .symbol(symbol)
            default:
                if c.isNumber || ((c == "-" || c == ".") && position + 1 < text.count && (text[position + 1].isNumber || text[position + 1] == ".")) {
                    var end = position + 1
                    while end < text.count,
                        text[end].isNumber || text[end] == "." || text[end] == "e" || text[end] == "E"
                            || ((text[end] == "-" || text[end] == "+") && (text[end - 1] == "e" || text[end - 1] == "E"))
                    {
                        end += 1
                    }
                    guard let value = Double(String(text[position..<end])) else { throw fail("bad number") }
                    position = end
                    return .number(value)
                }
                var end = position
                while end < text.count, !text[end].isWhitespace, !"=!<>(),'\"`".contains(text[end]) { end += 1 }
                guard end > position else { throw fail("unexpected character '\(c)'") }
                let word = String(text[position..<end])
                position = end
                return .word(word)
            }
        }

        /// `entity.key comparator value`.
        mutating func clause() throws -> Clause {
            let (entity, key) = try identifier()
            let comparator = try self.comparator()
            let value = try self.value(for: comparator, entity: entity, key: key)
            return Clause(entity: entity, key: key, comparator: comparator, value: value)
        }

        /// `entity.key`, `entity.\`quoted key\`` or, where allowed, a bare key.
        mutating func identifier() throws -> (Entity, String) {
            guard case .word(let head)? = try next() else { throw fail("expected a key such as metrics.rmse") }
            if let bareKeys, !head.contains(".") { return (bareKeys, head) }
            guard let dot = head.firstIndex(of: ".") else {
                throw fail("'\(head)' has no entity: write metrics.KEY, params.KEY, tags.KEY or attributes.KEY")
            }
            let entity: Entity
            switch head[..<dot].lowercased() {
            case "metric", "metrics": entity = .metric
            case "param", "params", "parameter", "parameters": entity = .param
            case "tag", "tags": entity = .tag
            case "attribute", "attributes", "attr", "run": entity = .attribute
            case "dataset", "datasets": entity = .dataset
            default: throw fail("unknown entity '\(head[..<dot])': use metrics, params, tags, attributes or datasets")
            }
            var key = String(head[head.index(after: dot)...])
            if key.isEmpty {
                guard case .quoted(let quoted, let quote)? = try next(), quote == "`" || quote == "\"" else {
                    throw fail("expected a key after '\(head)'")
                }
                key = quoted
            }
            return (entity, key)
        }

        private mutating func comparator() throws -> Comparator {
            switch try next() {
            case .symbol(let s)?:
                guard let comparator = Comparator(rawValue: s) else { throw fail("unknown comparator '\(s)'") }
                return comparator
            case .word(let w)?:
                switch w.uppercased() {
                case "LIKE": return .like
                case "ILIKE": return .ilike
                case "IN": return .in
                case "IS":
                    guard case .word(let second)? = try next() else { throw fail("expected NULL or NOT NULL after IS") }
                    if second.uppercased() == "NULL" { return .isNull }
                    guard second.uppercased() == "NOT", case .word(let third)? = try next(), third.uppercased() == "NULL" else {
                        throw fail("expected NULL or NOT NULL after IS")
                    }
                    return .isNotNull
                case "NOT":
                    guard case .word(let second)? = try next(), second.uppercased() == "IN" else { throw fail("expected IN after NOT") }
                    return .notIn
                default: throw fail("unknown comparator '\(w)'")
                }
            case let other?: throw fail("expected a comparator, found \(other)")
            case nil: throw fail("the filter ends before a comparator")
            }
        }

        private mutating func value(for comparator: Comparator, entity: Entity, key: String) throws -> Value {
            switch comparator {
            case .isNull, .isNotNull:
                guard entity == .tag || entity == .param else { throw fail("IS NULL applies to tags and params only") }
                return .none
            case .in, .notIn:
                guard entity == .attribute || entity == .dataset else { throw fail("IN applies to attributes such as run_id") }
                guard try next() == .open else { throw fail("expected '(' after IN") }
                var items: [String] = []
                while true {
                    guard case .quoted(let item, let quote)? = try next(), quote != "`" else { throw fail("IN lists hold quoted strings") }
                    items.append(item)
                    switch try next() {
                    case .comma?: continue
                    case .close?: return .list(items)
                    default: throw fail("expected ',' or ')' in the IN list")
                    }
                }
            case .like, .ilike:
                guard case .quoted(let pattern, let quote)? = try next(), quote != "`" else { throw fail("LIKE takes a quoted pattern") }
                guard entity != .metric else { throw fail("LIKE does not apply to metrics") }
                return .string(pattern)
            default:
                switch try next() {
                case .number(let n)?:
                    guard entity != .param, entity != .tag else { throw fail("\(entity.rawValue)s compare with quoted strings, not \(n)") }
                    return .number(n)
                case .quoted(let s, let quote)? where quote != "`":
                    guard entity != .metric else { throw fail("metrics compare with numbers, not '\(s)'") }
                    return .string(s)
                case let other?:
                    throw fail("expected a value for \(entity.rawValue) '\(key)', found \(other)")
                case nil:
                    throw fail("the filter ends before the value of '\(key)'")
                }
            }
        }
    }
}
