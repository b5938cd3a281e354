import Foundation
import KiteCore

/// MLflow's limits on names and values, checked before anything is written so oversized input is a clear
/// INVALID_PARAMETER_VALUE, not a truncated value.
enum RegistryLimits {
    static let keyLength = 250
    static let paramValueLength = 6000
    static let tagValueLength = 8000
    static let nameLength = 500
    static let batchMetrics = 1000
    static let batchParams = 100
    static let batchTags = 100

    /// A metric, param or tag key: 1–250 characters of letters, digits, `_ - . / :` and space, no `..` path part.
    static func checkKey(_ key: String, of kind: String) throws {
        guard !key.isEmpty, key.count <= keyLength else {
            throw KiteError.invalidArgument("\(kind) key must have 1 to \(keyLength) characters, not \(key.count)")
        }
        guard key.allSatisfy({ $0.isLetter || $0.isNumber || "_-./: ".contains($0) }) else {
            throw KiteError.invalidArgument("invalid \(kind) key '\(key)': use letters, digits, '_', '-', '.', '/', ':' and spaces")
        }
        guard !key.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }), !key.hasPrefix("/") else {
            throw KiteError.invalidArgument("invalid \(kind) key '\(key)': it must not be an absolute path or contain '.' or '..' parts")
        }
    }

    static func checkTag(key: String, value: String) throws {
        try checkKey(key, of: "tag")
        guard value.count <= tagValueLength else {
            throw KiteError.invalidArgument("tag '\(key)' has a value of \(value.count) characters; the limit is \(tagValueLength)")
        }
    }

    static func checkParam(key: String, value: String) throws {
        try checkKey(key, of: "param")
        guard value.count <= paramValueLength else {
            throw KiteError.invalidArgument("param '\(key)' has a value of \(value.count) characters; the limit is \(paramValueLength)")
        }
    }

    /// An experiment or model name: not empty, at most 500 characters.
    static func checkName(_ name: String, of kind: String) throws {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw KiteError.invalidArgument("\(kind) needs a non-empty name") }
        guard name.count <= nameLength else {
            throw KiteError.invalidArgument("\(kind) name has \(name.count) characters; the limit is \(nameLength)")
        }
    }
}
