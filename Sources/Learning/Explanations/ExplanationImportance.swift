import Foundation

/// A model's global importance: each input's mean |contribution| over a set of rows (a run's reference), most
/// important first. Written by training as `explanations/importance.json` among the run's artifacts; the web UI's
/// model page shows it.
public struct ExplanationImportance: Sendable, Codable, Equatable {
    /// Where among a run's artifacts the importance is kept.
    public static let artifact = "explanations/importance.json"

    /// One input's importance.
    public struct Entry: Sendable, Codable, Equatable {
        public var feature: String
        public var meanAbsoluteContribution: Double
    }

    /// The rows averaged over.
    public var rows: Int
    /// What the contributions are in (`Explanations.units`).
    public var units: String
    public var entries: [Entry]

    /// The importance of `explanations`' rows.
    public init(_ explanations: Explanations) {
        rows = explanations.rowCount
        units = explanations.units
        entries = zip(explanations.inputs, explanations.meanAbsolute()).map { Entry(feature: $0, meanAbsoluteContribution: $1) }
            .sorted { ($0.meanAbsoluteContribution, $1.feature) > ($1.meanAbsoluteContribution, $0.feature) }
    }

    /// The JSON document.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }

    /// Reads a document `encoded()` wrote.
    public static func decode(_ data: Data) throws -> ExplanationImportance {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(ExplanationImportance.self, from: data)
    }
}
