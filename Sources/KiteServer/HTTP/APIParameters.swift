import Foundation
import KiteCore

/// A request's parameters — the JSON body of a POST/PATCH/DELETE or the query string of a GET — read with
/// typed getters that answer wrong types and missing values with INVALID_PARAMETER_VALUE.
public struct APIParameters: Sendable {
    let values: JSONValue

    /// Parameters from a JSON object body (an empty body is no parameters).
    public init(body: [UInt8]) throws {
        guard !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            values = .object([])
            return
        }
        values = try JSONValue.parse(body)
        guard case .object = values else { throw KiteError.invalidArgument("the request body must be a JSON object") }
    }

    /// Parameters from a query string (`a=1&b=x+y&b=z`): `+` is a space, repeated keys make lists.
    public init(query: String?) {
        var pairs: [(String, JSONValue)] = []
        var index: [String: Int] = [:]
        for part in (query ?? "").split(separator: "&") where !part.isEmpty {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let key = decode(pieces[0])
            let value = JSONValue.string(pieces.count > 1 ? decode(pieces[1]) : "")
            if let at = index[key] {
                if case .array(let items) = pairs[at].1 { pairs[at].1 = .array(items + [value]) } else { pairs[at].1 = .array([pairs[at].1, value]) }
            } else {
                index[key] = pairs.count
                pairs.append((key, value))
            }
        }
        values = .object(pairs)
    }

    init(values: JSONValue) { self.values = values }

    private func value(_ key: String) -> JSONValue? {
        guard let value = values[key], value != .null else { return nil }
        return value
    }

    /// The raw JSON of `key`, nil when absent or null.
    public func json(_ key: String) -> JSONValue? { value(key) }

    private func wrongType(_ key: String, _ expected: String) -> KiteError {
        KiteError.invalidArgument("Invalid value for parameter '\(key)': expected \(expected)")
    }

    /// A required string: missing is "Missing value for required parameter", as MLflow says.
    public func required(_ key: String) throws -> String {
        guard let text = try string(key) else { throw KiteError.invalidArgument("Missing value for required parameter '\(key)'") }
        return text
    }

    /// The first present of several names for one required string (`run_id`, `run_uuid`).
    public func required(_ key: String, or alias: String) throws -> String {
        if let text = try string(key), !text.isEmpty { return text }
        if let text = try string(alias), !text.isEmpty { return text }
        throw KiteError.invalidArgument("Missing value for required parameter '\(key)'")
    }

    /// An optional string.
    public func string(_ key: String) throws -> String? {
        switch value(key) {
        case nil: return nil
        case .string(let text): return text
        case .array(let items) where items.count == 1:
            if case .string(let text) = items[0] { return text }
            throw wrongType(key, "a string")
        default: throw wrongType(key, "a string")
        }
    }

    /// An optional whole number (JSON number or decimal string, as protobuf's JSON allows for int64).
    public func integer(_ key: String) throws -> Int64? {
        switch value(key) {
        case nil: return nil
        case .integer(let number): return number
        case .number(let number):
            guard number.rounded() == number, let exact = Int64(exactly: number) else { throw wrongType(key, "a whole number") }
            return exact
        case .string(let text):
            guard let number = Int64(text.trimmingCharacters(in: .whitespaces)) else { throw wrongType(key, "a whole number") }
            return number
        default: throw wrongType(key, "a whole number")
        }
    }

    /// An optional number (`NaN` and `Infinity` too, as MLflow's client sends them).
    public func number(_ key: String) throws -> Double? {
        switch value(key) {
        case nil: return nil
        case .integer(let number): return Double(number)
        case .number(let number): return number
        case .string(let text):
            switch text {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default:
                guard let number = Double(text) else { throw wrongType(key, "a number") }
                return number
            }
        default: throw wrongType(key, "a number")
        }
    }

    /// An optional boolean (`true`/`false`, also as strings in query parameters).
    public func bool(_ key: String) throws -> Bool? {
        switch value(key) {
        case nil: return nil
        case .bool(let flag): return flag
        case .string("true"), .string("True"): return true
        case .string("false"), .string("False"): return false
        default: throw wrongType(key, "true or false")
        }
    }

    /// A list of strings (a JSON array, or repeated query parameters); missing is empty.
    public func strings(_ key: String) throws -> [String] {
        switch value(key) {
        case nil: return []
        case .string(let text): return [text]
        case .array(let items):
            return try items.map { item in
                guard case .string(let text) = item else { throw wrongType(key, "a list of strings") }
                return text
            }
        default: throw wrongType(key, "a list of strings")
        }
    }

    /// A list of objects, each read as parameters; missing is empty.
    public func objects(_ key: String) throws -> [APIParameters] {
        switch value(key) {
        case nil: return []
        case .array(let items):
            return try items.map { item in
                guard case .object = item else { throw wrongType(key, "a list of objects") }
                return APIParameters(values: item)
            }
        default: throw wrongType(key, "a list of objects")
        }
    }

    /// One nested object, or nil.
    public func object(_ key: String) throws -> APIParameters? {
        switch value(key) {
        case nil: return nil
        case .object: return APIParameters(values: values[key] ?? .null)
        default: throw wrongType(key, "an object")
        }
    }

    /// A list of `{"key": …, "value": …}` as a dictionary (MLflow's tags and params).
    public func keyValues(_ key: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in try objects(key) {
            result[try pair.required("key")] = try pair.string("value") ?? ""
        }
        return result
    }
}
