import JSONCoding
import Datasets
import FileIO
import Foundation
import NeuralNetworks
import Persistence
import TensorModule
import Training

/// A model trained by ``TrainingRun``, loaded back from its output directory (`model.json` + `final.safetensors`,
/// or another weights file) without Swift code.
///
/// ```swift
/// let trained = try TrainedModel(directory: "neuralkit-run")
/// let probabilities = trained.predict(features).softmax()
/// ```
public struct TrainedModel {
    public let spec: ModelSpec
    public let model: Module
    public let scaler: FeatureScaler?

    public init(directory: String, weights: String = "final.safetensors") throws {
        let specPath = directory + "/model.json"
        do { spec = try ModelSpec(json: AtomicFile.read(specPath, limit: 16 << 20)) } catch let e as ConfigError {
            throw DataError(file: specPath, e.description)
        }
        model = try spec.buildModel()
        // predict and evaluate run batches of 256.
        try TrainingRun.checkBatchMemory(model, inputs: spec.inputShapes, batchSize: 256, training: false, source: specPath)
        let file = try Safetensors(contentsOf: directory + "/" + weights)
        var state = try file.tensors()
        let offset = state.removeValue(forKey: "scaler.offset"), scale = state.removeValue(forKey: "scaler.scale")
        scaler = offset.flatMap { o in scale.map { FeatureScaler(offset: o, scale: $0) } }
        do { try model.loadStateDict(state) } catch { throw DataError(file: directory + "/" + weights, error.description) }
        model.setTraining(false)
    }

    /// The model's outputs for raw features (scaled as in training).
    public func predict(_ features: Tensor) -> Tensor {
        model.predict(scaler?.apply(features) ?? features)
    }

    /// Accuracy and cross-entropy of the class probabilities averaged over `views` of the features (softmax per
    /// view; include the identity to keep the original), for a classifier: test-time augmentation.
    ///
    /// ```swift
    /// let logs = trained.evaluate(x: test.features, labels: test.targets,
    ///                             testTimeAugmentation: [{ $0 }, { ImageAugmentation.view(of: $0, imageShape: [28, 28, 1], flip: true) }])
    /// ```
    public func evaluate(x: Tensor, labels: Tensor, testTimeAugmentation views: [(Tensor) -> Tensor]) -> Logs {
        // Each view sees the raw features; the training scaler follows it.
        let scaledViews = views.map { view in { (raw: Tensor) in scaler?.apply(view(raw)) ?? view(raw) } }
        let probabilities = model.predict(x, testTimeAugmentation: scaledViews) { $0.softmax() }
        // softmax(log p̄) = p̄, so the cross-entropy of the averaged probabilities is the usual loss on their logs.
        let logits = withoutGradient { probabilities.clamped(lowerBound: 1e-12, upperBound: 1).log() }
        let (hits, count) = Metric.accuracy.total(predictions: probabilities, targets: labels, fromLogits: false)
        return ["accuracy": hits / Double(Swift.max(count, 1)),
                "loss": withoutGradient { Loss.softmaxCrossEntropy()(predictions: logits, targets: labels).scalar }]
    }

    /// The loss and metrics on `data` (its features scaled as in training; id columns fed one per input), with
    /// accuracy for a classification dataset: `neuralkit evaluate`.
    ///
    /// ```swift
    /// let logs = try trained.evaluate(test)   // ["loss": 0.31, "accuracy": 0.89]
    /// ```
    public func evaluate(_ data: Dataset) throws -> Logs {
        var scaled = data
        if let scaler { scaled.features = scaler.apply(data.features) }
        return try trainer(accuracy: data.isClassification).evaluate(TrainingRun.source(scaled))
    }

    /// A trainer around the loaded model, for `evaluate`; with `accuracy`, its metrics include accuracy even when the
    /// model file lists none (as `neuralkit train` reports it for every classification run).
    public func trainer(accuracy: Bool = false) -> Trainer {
        Trainer(model: model, losses: spec.trainingLosses, lossWeights: spec.lossWeights, optimizer: Optimizer(spec.optimizer),
                metrics: accuracy ? Metric.includingAccuracy(spec.metrics) : spec.metrics)
    }
}

import Optimizers
