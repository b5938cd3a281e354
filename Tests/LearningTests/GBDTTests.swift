import Foundation
import KiteCore
import KiteTesting
import Learning
import Testing

/// Gradient-boosted trees against LightGBM with the same parameters on the same generated data.
@Suite struct GBDTTests {
    struct Data {
        var train: Matrix, trainLabels: [Double], test: Matrix, testLabels: [Double], lightgbm: Double, lightgbmAccuracy: Double
        var lightgbmMeanProbability: Double
        /// With "+weights": the rows' sample weights.
        var trainWeights: [Double]?, testWeights: [Double]?
    }

    func data(_ objective: String, seed: Int, rows: Int, features: Int, rounds: Int) throws -> Data {
        let output = try Subprocess.python("lightgbm_peer.py", [objective, String(seed), String(rows), String(features), String(rounds)])
        let json = try JSONSerialization.jsonObject(with: Foundation.Data(output.utf8)) as? [String: Any] ?? [:]
        func numbers(_ key: String) -> [Double] { (json[key] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
        let train = numbers("train_x")
        let test = numbers("test_x")
        return Data(
            train: try Matrix(rows: train.count / features, columns: features, values: train), trainLabels: numbers("train_y"),
            test: try Matrix(rows: test.count / features, columns: features, values: test), testLabels: numbers("test_y"),
            lightgbm: (json["metric"] as? NSNumber)?.doubleValue ?? .nan, lightgbmAccuracy: (json["accuracy"] as? NSNumber)?.doubleValue ?? .nan,
            lightgbmMeanProbability: (json["mean_probability"] as? NSNumber)?.doubleValue ?? .nan,
            trainWeights: json["train_w"] == nil ? nil : numbers("train_w"), testWeights: json["test_w"] == nil ? nil : numbers("test_w"))
    }

    @Test func binaryAUCWithinHalfAPointOfLightGBM() throws {
        let data = try data("binary", seed: 7, rows: 20_000, features: 20, rounds: 100)
        var parameters = GBDTParameters(objective: .binary)
        parameters.seed = 7
        let model = try GBDTTrainer(parameters: parameters).fit(features: data.train, labels: data.trainLabels)
        let auc = try BinaryMetrics.rocAUC(labels: data.testLabels, scores: try model.predict(data.test))
        #expect(abs(auc - data.lightgbm) <= 0.005, "kite AUC \(auc), LightGBM \(data.lightgbm)")
        #expect(model.trees.count == 100)
        #expect(model.splitCounts[19] == 0)  // the constant column is never split on
        #expect(model.splitCounts[0] > 0)  // the column with missing values is used
        // One row at a time, tree by tree or through the packed predictor, gives the batch's predictions exactly.
        let batch = try model.predict(data.test)
        let predictor = try model.predictor()
        for row in 0..<200 {
            let values = (0..<20).map { data.test[row, $0] }
            #expect(try model.predict(values) == batch[row] && predictor.predict(values) == batch[row])
        }
    }

    @Test func regressionRMSEWithinTwoPercentOfLightGBM() throws {
        let data = try data("regression", seed: 8, rows: 10_000, features: 10, rounds: 100)
        let model = try GBDTTrainer(parameters: GBDTParameters(objective: .regression)).fit(features: data.train, labels: data.trainLabels)
        let rmse = try RegressionMetrics.rmse(targets: data.testLabels, predictions: try model.predict(data.test))
        #expect(abs(rmse - data.lightgbm) <= 0.02 * data.lightgbm, "kite RMSE \(rmse), LightGBM \(data.lightgbm)")
    }

    @Test(arguments: [GBDTParameters.Objective.regressionL1, .huber])
    func robustRegressionWithinTwoPercentOfLightGBM(objective: GBDTParameters.Objective) throws {
        let data = try data(objective.rawValue, seed: 12, rows: 10_000, features: 10, rounds: 100)
        let model = try GBDTTrainer(parameters: GBDTParameters(objective: objective)).fit(features: data.train, labels: data.trainLabels)
        let predictions = try model.predict(data.test)
        let error =
            objective == .regressionL1
            ? try RegressionMetrics.mae(targets: data.testLabels, predictions: predictions)
            : try RegressionMetrics.rmse(targets: data.testLabels, predictions: predictions)
        #expect(abs(error - data.lightgbm) <= 0.02 * data.lightgbm, "kite \(error), LightGBM \(data.lightgbm)")
    }

    @Test func weightedPositivesMatchLightGBM() throws {
        let data = try data("binary_weighted", seed: 13, rows: 20_000, features: 10, rounds: 100)
        var parameters = GBDTParameters(objective: .binary)
        parameters.scalePosWeight = 4
        let model = try GBDTTrainer(parameters: parameters).fit(features: data.train, labels: data.trainLabels)
        let probabilities = try model.predict(data.test)
        let auc = try BinaryMetrics.rocAUC(labels: data.testLabels, scores: probabilities)
        let mean = probabilities.reduce(0, +) / Double(probabilities.count)
        let unweighted = try GBDTTrainer(parameters: GBDTParameters(objective: .binary)).fit(features: data.train, labels: data.trainLabels)
        let unweightedMean = try unweighted.predict(data.test).reduce(0, +) / Double(probabilities.count)
        #expect(abs(auc - data.lightgbm) <= 0.005, "kite AUC \(auc), LightGBM \(data.lightgbm)")
        // Weighting positives four times pushes the probabilities up, as much as it does LightGBM's.
        #expect(
            mean > unweightedMean + 0.005 && abs(mean - data.lightgbmMeanProbability) <= 0.03 * data.lightgbmMeanProbability,
            "kite mean probability \(mean) (unweighted \(unweightedMean)), LightGBM \(data.lightgbmMeanProbability)")
        var balanced = GBDTParameters(objective: .binary)
        balanced.isUnbalance = true
        #expect(balanced.named["is_unbalance"] == "true")
    }

    /// Sample weights (`weight: COLUMN` in a training config) against LightGBM's `weight`: the weighted test metric
    /// within the unweighted tests' tolerances, and the weights matter (the unweighted model scores differently).
    @Test(arguments: ["binary", "regression", "regression_l1", "multiclass"])
    func sampleWeightsMatchLightGBM(objective: String) throws {
        let data = try data(objective + "+weights", seed: 14, rows: 10_000, features: 10, rounds: 100)
        var parameters = GBDTParameters(objective: GBDTParameters.Objective(rawValue: objective) ?? .binary)
        if objective == "multiclass" { parameters.numClass = 3 }
        #expect(parameters.objective.rawValue == objective)
        let trainer = GBDTTrainer(parameters: parameters)
        let model = try trainer.fit(features: data.train, labels: data.trainLabels, weights: data.trainWeights)
        let unweighted = try trainer.fit(features: data.train, labels: data.trainLabels)
        switch objective {
        case "binary":
            let auc = try BinaryMetrics.rocAUC(labels: data.testLabels, scores: try model.predict(data.test), weights: data.testWeights)
            #expect(abs(auc - data.lightgbm) <= 0.005, "kite weighted AUC \(auc), LightGBM \(data.lightgbm)")
            let rate = zip(data.trainLabels, data.trainWeights ?? []).reduce(0.0) { $0 + $1.0 * $1.1 } / (data.trainWeights ?? []).reduce(0, +)
            #expect(PeerValue.close(model.initialScores[0], Foundation.log(rate / (1 - rate)), tolerance: 1e-12))
        case "regression_l1":
            let mae = try RegressionMetrics.mae(targets: data.testLabels, predictions: try model.predict(data.test), weights: data.testWeights)
            #expect(abs(mae - data.lightgbm) <= 0.02 * data.lightgbm, "kite weighted MAE \(mae), LightGBM \(data.lightgbm)")
        case "multiclass":
            let loss = try MulticlassMetrics.logLoss(labels: data.testLabels, probabilities: try model.probabilities(data.test), weights: data.testWeights)
            #expect(abs(loss - data.lightgbm) <= 0.03 * data.lightgbm, "kite weighted log loss \(loss), LightGBM \(data.lightgbm)")
        default:
            let rmse = try RegressionMetrics.rmse(targets: data.testLabels, predictions: try model.predict(data.test), weights: data.testWeights)
            #expect(abs(rmse - data.lightgbm) <= 0.02 * data.lightgbm, "kite weighted RMSE \(rmse), LightGBM \(data.lightgbm)")
        }
        #expect(model.initialScores != unweighted.initialScores, "the weights change the starting score")
        #expect(throws: KiteError.self) { try trainer.fit(features: data.train, labels: data.trainLabels, weights: [1, 2]) }
    }

    /// Native categorical splits (LightGBM's method and defaults: one-vs-rest up to 4 categories, else sorted by
    /// smoothed gradient ratio) on four categorical columns of 3 to 150 codes: test AUC within 0.005 of
    /// LightGBM's with the same parameters, and better than treating the codes as numbers.
    @Test func categoricalSplitsMatchLightGBM() throws {
        let data = try data("binary_categorical", seed: 15, rows: 20_000, features: 4, rounds: 100)
        let width = 8
        let test = try Matrix(rows: data.test.values.count / width, columns: width, values: data.test.values)
        let train = try Matrix(rows: data.train.values.count / width, columns: width, values: data.train.values)
        var parameters = GBDTParameters(objective: .binary)
        parameters.categoricalFeatures = [4, 5, 6, 7]
        let model = try GBDTTrainer(parameters: parameters).fit(features: train, labels: data.trainLabels)
        let auc = try BinaryMetrics.rocAUC(labels: data.testLabels, scores: try model.predict(test))
        #expect(abs(auc - data.lightgbm) <= 0.005, "kite AUC \(auc), LightGBM \(data.lightgbm)")
        #expect(model.trees.contains { $0.categories != nil }, "categorical splits are used")
        let numeric = try GBDTTrainer(parameters: GBDTParameters(objective: .binary)).fit(features: train, labels: data.trainLabels)
        let numericAUC = try BinaryMetrics.rocAUC(labels: data.testLabels, scores: try numeric.predict(test))
        #expect(auc > numericAUC, "categorical \(auc), codes as numbers \(numericAUC)")
        // The packed predictor and the explainer agree with the trees on categorical splits.
        let predictor = try model.predictor()
        let explainer = try ModelExplainer(.gbdt(model))
        for row in 0..<200 {
            let values = (0..<width).map { test[row, $0] }
            #expect(try predictor.predict(values) == model.predict(values))
            let total = try explainer.contributions(row: values).reduce(explainer.expectedValues[0], +)
            #expect(PeerValue.close(total, try model.rawScores(values)[0], tolerance: 1e-9))
        }
    }

    @Test func multiclassLogLossWithinThreePercentOfLightGBM() throws {
        let data = try data("multiclass", seed: 10, rows: 15_000, features: 12, rounds: 100)
        var parameters = GBDTParameters(objective: .multiclass)
        parameters.numClass = 3
        let model = try GBDTTrainer(parameters: parameters).fit(features: data.train, labels: data.trainLabels)
        #expect(model.trees.count == 300 && model.outputCount == 3)
        let probabilities = try model.probabilities(data.test)
        let loss = try MulticlassMetrics.logLoss(labels: data.testLabels, probabilities: probabilities)
        let accuracy = try MulticlassMetrics.accuracy(labels: data.testLabels, probabilities: probabilities)
        #expect(abs(loss - data.lightgbm) <= 0.03 * data.lightgbm, "kite log loss \(loss), LightGBM \(data.lightgbm)")
        #expect(abs(accuracy - data.lightgbmAccuracy) <= 0.01, "kite accuracy \(accuracy), LightGBM \(data.lightgbmAccuracy)")
        let predictor = try model.predictor()
        for row in 0..<10 {
            let values = (0..<12).map { data.test[row, $0] }
            #expect(try model.probabilities(values) == probabilities[row] && predictor.probabilities(values) == probabilities[row])
            #expect(try model.predict(values) == Double(probabilities[row].indices.max { probabilities[row][$0] < probabilities[row][$1] } ?? -1))
        }
        var wrong = parameters
        wrong.numClass = 2
        #expect(throws: KiteError.self) { try GBDTTrainer(parameters: wrong).fit(features: data.train, labels: data.trainLabels) }
    }

    @Test func earlyStoppingStopsAndDeterminism() throws {
        let data = try data("binary", seed: 9, rows: 4_000, features: 8, rounds: 1)
        var parameters = GBDTParameters(objective: .binary)
        parameters.numIterations = 1000
        parameters.learningRate = 0.3
        parameters.earlyStoppingRounds = 10
        parameters.baggingFraction = 0.8
        parameters.baggingFrequency = 1
        parameters.featureFraction = 0.8
        let trainer = GBDTTrainer(parameters: parameters)
        let model = try trainer.fit(features: data.train, labels: data.trainLabels, validation: (data.test, data.testLabels))
        #expect(model.trees.count < 1000 && model.trees.count > 1)
        let again = try trainer.fit(features: data.train, labels: data.trainLabels, validation: (data.test, data.testLabels))
        #expect(again == model)  // the same seed gives the same trees
    }

    @Test func badInputIsAClearError() throws {
        let trainer = GBDTTrainer(parameters: GBDTParameters(objective: .binary))
        let one = try Matrix([[1.0, 2.0]])
        #expect(throws: KiteError.self) { try trainer.fit(features: one, labels: [1]) }
        let x = try Matrix([[1.0], [2.0], [3.0]])
        #expect(throws: KiteError.self) { try trainer.fit(features: x, labels: [1, 1, 1]) }
        #expect(throws: KiteError.self) { try trainer.fit(features: try Matrix([[Double.nan], [.nan], [.nan]]), labels: [0, 1, 0]) }
        #expect(throws: KiteError.self) { try trainer.fit(features: x, labels: [0, 1]) }
        var bad = GBDTParameters()
        bad.numLeaves = 1
        #expect(throws: KiteError.self) { try GBDTTrainer(parameters: bad).fit(features: x, labels: [0, 1, 0]) }
        // A model whose trees were altered is refused by the packed predictor (which reads unchecked), not walked.
        var model = try GBDTTrainer(parameters: GBDTParameters(objective: .binary)).fit(
            features: try Matrix((0..<60).map { [Double($0)] }),
            labels: (0..<60).map { $0 < 30 ? 0 : 1 })
        model.trees[0].feature[0] = 5
        #expect(throws: KiteError.self) { try model.predictor() }
        #expect(throws: KiteError.self) { try model.predict(try Matrix([[1.0]])) }
        var stopping = GBDTParameters()
        stopping.earlyStoppingRounds = 5
        #expect(throws: KiteError.self) { try GBDTTrainer(parameters: stopping).fit(features: x, labels: [0, 1, 0]) }
    }
}
