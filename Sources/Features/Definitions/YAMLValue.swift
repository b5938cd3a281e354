import KiteCore
import Yams

/// A YAML node that knows its file, so every error can say `features/views.yaml:12: …`.
package struct YAMLValue {
    package let node: Node
    package let file: String

    /// `file:line` of the node.
    package var location: String { "\(file):\(node.mark?.line ?? 1)" }

    package func fail(_ message: String) -> KiteError { KiteError.invalidArgument("\(location): \(message)") }

    /// Parses `text` (the content of `file`); an empty document is nil.
    package static func parse(_ text: String, file: String) throws -> YAMLValue? {
        do {
            return try Yams.compose(yaml: text).map { YAMLValue(node: $0, file: file) }
        } catch let error as YamlError {
            throw KiteError.invalidArgument("\(file): not valid YAML: \(error)")
        } catch {
            throw KiteError.invalidArgument("\(file): not valid YAML: \(error)")
        }
    }

    package func string(_ what: String) throws -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else { throw fail("\(what) must be a non-empty string") }
        return scalar.string
    }

    package func bool(_ what: String) throws -> Bool {
        guard let value = node.bool else { throw fail("\(what) must be true or false") }
        return value
    }

    package func sequence(_ what: String) throws -> [YAMLValue] {
        guard case .sequence(let items) = node else { throw fail("\(what) must be a list") }
        return items.map { YAMLValue(node: $0, file: file) }
    }

    package func strings(_ what: String) throws -> [String] {
        if case .scalar = node { return [try string(what)] }
        return try sequence(what).map { try $0.string(what) }
    }

    /// The entries of a mapping, refusing keys outside `allowed` (a typo should not pass silently).
    package func mapping(_ what: String, allowed: Set<String>) throws -> [String: YAMLValue] {
        guard case .mapping(let mapping) = node else { throw fail("\(what) must be a mapping of keys to values") }
        var result: [String: YAMLValue] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard allowed.contains(name) else {
                throw YAMLValue(node: key, file: file).fail(
                    "unknown key '\(name)' in \(what); expected one of: \(allowed.sorted().joined(separator: ", "))")
            }
            result[name] = YAMLValue(node: value, file: file)
        }
        return result
    }

    /// A number.
    package func double(_ what: String) throws -> Double {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string), value.isFinite else { throw fail("\(what) must be a number") }
        return value
    }

    /// A whole number.
    package func int(_ what: String) throws -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else { throw fail("\(what) must be a whole number") }
        return value
    }

    /// Whether the node is a mapping.
    package var isMapping: Bool {
        if case .mapping = node { return true }
        return false
    }

    /// A mapping's entries in file order, keys as strings.
    package func pairs(_ what: String) throws -> [(key: String, value: YAMLValue)] {
        guard case .mapping(let mapping) = node else { throw fail("\(what) must be a mapping") }
        return try mapping.map { key, value in
            (try YAMLValue(node: key, file: file).string("a key of \(what)"), YAMLValue(node: value, file: file))
        }
    }

    /// Whether the node is a scalar (not a list or mapping).
    package var isScalar: Bool {
        if case .scalar = node { return true }
        return false
    }

    /// A mapping of strings to strings (tags, field mappings).
    package func stringMap(_ what: String) throws -> [String: String] {
        guard case .mapping(let mapping) = node else { throw fail("\(what) must be a mapping") }
        var result: [String: String] = [:]
        for (key, value) in mapping {
            result[try YAMLValue(node: key, file: file).string("a key of \(what)")] =
                try YAMLValue(node: value, file: file).string("a value of \(what)")
        }
        return result
    }
}

extension Dictionary where Key == String, Value == YAMLValue {
    /// The value of a key that must be present.
    package func required(_ key: String, in what: String, at parent: YAMLValue) throws -> YAMLValue {
        guard let value = self[key] else { throw parent.fail("\(what) has no '\(key)'") }
        return value
    }
}
