import Foundation
import KiteCore

/// A gradient-boosted model trained by LightGBM or XGBoost, read into Kite's trees so that it predicts exactly
/// what its library predicts (`kite models import`, and MLflow's lightgbm and xgboost flavors when served).
public struct ImportedModel: Sendable {
    /// `lightgbm` or `xgboost`.
    public var library: String
    public var trees: GradientBoostedTrees
    /// The model's feature names (XGBoost's `f0`, `f1`, … when it has none), in input order.
    public var featureNames: [String]
    /// The features the model splits on as categories: their inputs are category codes.
    public var categoricalFeatures: Set<Int>
    public var task: LearningTask
    /// A multiclass model's classes, `0`, `1`, … (the libraries know only class indices).
    public var classes: [String]?
    /// The library's own name of the objective.
    public var objectiveName: String
    /// For a LightGBM model trained on pandas `category` columns: each such feature's categories, whose positions
    /// are the codes the trees split on. Those inputs are strings, encoded as pandas encodes them.
    public var categoryNames: [Int: [String]] = [:]

    /// Reads a LightGBM text model or an XGBoost JSON or UBJSON model, told apart by their first bytes (`{` then
    /// `"` is JSON, `{` then a length marker UBJSON); `source` names the file in errors.
    public static func read(_ data: Data, source: String) throws -> ImportedModel {
        let blank: Set<UInt8> = [0x20, 0x0A, 0x0D, 0x09]
        guard let start = data.firstIndex(where: { !blank.contains($0) }) else { throw KiteError.corrupt("\(source) is empty") }
        if data[start] == UInt8(ascii: "{") {
            let next = data[(start + 1)...].first { !blank.contains($0) }
            return try XGBoostModel.read(data, binary: next != UInt8(ascii: "\"") && next != UInt8(ascii: "}"), source: source)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw KiteError.corrupt(
                "\(source) is neither a LightGBM text model nor an XGBoost JSON or UBJSON model (a pickle, or XGBoost's old binary format?)")
        }
        return try LightGBMModel.read(text, source: source)
    }

    /// The Kite model file: one input per feature, passed to the trees unchanged — `inputs` renames them (as many
    /// names as features; types default to `float64`, `int64` for categorical features, `string` for pandas
    /// categories, which are encoded to their codes) — every input nullable, since the trees say where a missing
    /// value goes.
    public func modelFile(inputs: [ModelFile.Signature.Input]? = nil, label: String = "label", training: [String: String] = [:]) throws -> ModelFile {
        let signature =
            inputs
            ?? featureNames.enumerated().map { index, name in
                let type: DataType = categoryNames[index] != nil ? .string : categoricalFeatures.contains(index) ? .int64 : .float64
                return ModelFile.Signature.Input(name: name, type: type, nullable: true)
            }
        guard signature.count == featureNames.count else {
            throw KiteError.invalidArgument("the signature names \(signature.count) inputs; the model has \(featureNames.count) features")
        }
        guard Set(signature.map(\.name)).count == signature.count else { throw KiteError.invalidArgument("the signature names an input twice") }
        for (index, input) in signature.enumerated() {
            if categoryNames[index] != nil {
                guard input.type == .string else { throw KiteError.invalidArgument("input '\(input.name)' holds pandas categories: it must be a string") }
            } else if !(input.type.isNumeric || input.type == .bool) {
                throw KiteError.invalidArgument("input '\(input.name)' is \(input.type); an imported model takes numbers (categories as their codes)")
            }
        }
        let columns = signature.enumerated().map { index, input in
            Preprocessor.FittedColumn(
                column: input.name, steps: [], encoding: categoryNames[index] == nil ? nil : .ordinal, categories: categoryNames[index] ?? [])
        }
        let file = ModelFile(
            signature: ModelFile.Signature(
                inputs: signature.map { ModelFile.Signature.Input(name: $0.name, type: $0.type, nullable: true) }, featureService: nil, label: label,
                task: task, classes: classes),
            preprocessor: Preprocessor(columns: columns, outputNames: signature.map(\.name)), learner: .gbdt(trees),
            training: training.merging(["imported_from": library, "objective": objectiveName]) { mine, _ in mine })
        try file.validate(source: "the imported model")
        return file
    }
}
