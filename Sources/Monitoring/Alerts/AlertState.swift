import Foundation
import KiteCore
import ObjectStorage

/// What the last check of a monitor found, kept in the offline store (`monitors/state/NAME.json`) so that a
/// rule notifies once when it starts firing and once when it resolves, however often it is checked.
public struct AlertState: Sendable, Codable, Equatable {
    public var monitor: String
    /// The model the monitor watches (`NAME` or `NAME@ALIAS`, as its file says).
    public var model: String?
    /// When the last check ran (µs since the epoch).
    public var checked: Int64
    /// The variables the last check computed.
    public var values: [String: Double]
    public var rules: [String: RuleState]

    /// One rule's state.
    public struct RuleState: Sendable, Codable, Equatable {
        public enum Status: String, Sendable, Codable {
            case ok
            case firing
            /// A variable it reads had no value (no labels yet, no experiment running).
            case noData = "no_data"
        }

        public var status: Status
        /// Since when the rule has had this status.
        public var since: Int64
        /// The condition's left side at the last check.
        public var value: Double?
        /// The status last notified (`firing` or `ok`); a notification that failed is retried at the next check.
        public var notified: Status?
    }

    public init(monitor: String, model: String? = nil) {
        self.monitor = monitor
        self.model = model
        checked = 0
        values = [:]
        rules = [:]
    }

    static func key(_ monitor: String) -> String { "monitors/state/\(monitor).json" }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }

    /// The stored state of `monitor`, or a fresh one.
    public static func load(_ monitor: String, store: any ObjectStore) async throws -> AlertState {
        do {
            return try decoder.decode(AlertState.self, from: Data(try await store.get(key(monitor))))
        } catch let error as KiteError where error.code == .notFound {
            return AlertState(monitor: monitor)
        } catch is DecodingError {
            throw KiteError(.corruptData, "\(key(monitor)) is not a monitor state; remove it to start afresh")
        }
    }

    /// Writes the state (whole or not at all).
    func save(store: any ObjectStore) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        try await store.put(Self.key(monitor), bytes: Array(try encoder.encode(self)))
    }

    /// Every stored state (for /metrics).
    public static func all(store: any ObjectStore) async throws -> [AlertState] {
        var states: [AlertState] = []
        for entry in try await store.list(prefix: "monitors/state/").collect() {
            guard case .object(let object) = entry, object.key.hasSuffix(".json") else { continue }
            if let state = try? decoder.decode(AlertState.self, from: Data(try await store.get(object.key))) { states.append(state) }
        }
        return states.sorted { $0.monitor < $1.monitor }
    }
}
