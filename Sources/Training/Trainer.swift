import Datasets
import Glibc
import NeuralNetworks
import Optimizers
import TensorModule

/// Trains a module with a loss, an optimizer and metrics, Keras-style: ``fit(x:y:batchSize:epochs:validationSplit:validationData:shuffle:callbacks:verbose:)``,
/// ``evaluate(x:y:batchSize:)`` and ``predict(x:batchSize:)``.
///
/// ```swift
/// let model = Sequential([Dense(inputSize: 64, outputSize: 32, activation: .relu), Dense(inputSize: 32, outputSize: 10)])
/// let trainer = Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam()), metrics: [.accuracy])
/// let history = try trainer.fit(x: x, y: labels, batchSize: 32, epochs: 20, validationSplit: 0.2,
///                               callbacks: [EarlyStopping(patience: 3, restoreBestWeights: true)])
/// ```
public final class Trainer {
    public let model: Module
    /// One loss per model output (a ``GraphModel`` may have several). Training minimizes Σᵢ ``lossWeights``ᵢ·lossᵢ,
    /// as Keras's `loss` list with `loss_weights`.
    public var losses: [Loss]
    /// Each output's weight in the training objective (1 each by default).
    public var lossWeights: [Double]
    /// The loss of a model with one output (the first output's).
    public var loss: Loss {
        get { losses[0] }
        set { losses[0] = newValue }
    }
    public let optimizer: Optimizer
    public var metrics: [Metric]
    /// Set by a callback to end training after the current batch.
    public var stopTraining = false
    /// Everything logged so far, across calls to `fit`.
    public private(set) var history = History()
    /// The generator of each epoch's shuffle (its state is part of a resumable checkpoint).
    public var shuffleGenerator: RandomGenerator
    /// Applied to each training batch's inputs (data augmentation, e.g. ``ImageAugmentation``); never at evaluation.
    /// Its generator is part of a resumable checkpoint.
    public var augmentation: (any BatchAugmentation)?
    /// Epochs completed so far across calls to `fit`.
    public private(set) var epochsCompleted = 0
    /// A position inside an epoch: the batches done, the shuffle generator as it was before this epoch's shuffle
    /// (so the same order is drawn again), the running sums of the epoch's logs and the epoch's learning rate.
    public struct EpochPosition: Sendable, Equatable {
        public var batchesCompleted: Int
        public var generatorBeforeShuffle: RandomGenerator
        public var sums: Logs
        public var examplesSeen: Int
        public var penaltySum: Double
        public var learningRate: Double

        public init(batchesCompleted: Int, generatorBeforeShuffle: RandomGenerator, sums: Logs, examplesSeen: Int,
                    penaltySum: Double, learningRate: Double) {
            self.batchesCompleted = batchesCompleted
            self.generatorBeforeShuffle = generatorBeforeShuffle
            self.sums = sums
            self.examplesSeen = examplesSeen
            self.penaltySum = penaltySum
            self.learningRate = learningRate
        }
    }

    /// Where training stands, for checkpoints: epochs done, the position inside the current epoch (nil at an epoch
    /// boundary), the history so far, the shuffle generator, every other generator training draws from (dropout
    /// layers' by `model.` + their path, the augmentation's as `augmentation`) and the state of each
    /// ``StatefulCallback`` of the last `fit`, by ``StatefulCallback/stateName``.
    public struct Progress: Sendable {
        public var epochsCompleted: Int
        public var epochPosition: EpochPosition?
        public var history: History
        public var shuffleGenerator: RandomGenerator
        public var generators: [String: RandomGenerator]
        public var callbackStates: [String: CallbackState]

        public init(epochsCompleted: Int, epochPosition: EpochPosition? = nil, history: History, shuffleGenerator: RandomGenerator,
                    generators: [String: RandomGenerator] = [:], callbackStates: [String: CallbackState] = [:]) {
            self.epochsCompleted = epochsCompleted
            self.epochPosition = epochPosition
            self.history = history
            self.shuffleGenerator = shuffleGenerator
            self.generators = generators
            self.callbackStates = callbackStates
        }
    }

    /// The position inside the running epoch (updated before each batch's `onBatchEnd`).
    private var epochPosition: EpochPosition?

    /// The current progress (save it with the weights and optimizer state to resume exactly, even mid-epoch).
    /// Setting it puts the generators back at once; the callbacks' states go back into the callbacks of the next
    /// `fit` with the same ``StatefulCallback/stateName``, right after their `onTrainBegin`.
    public var progress: Progress {
        get {
            var states: [String: CallbackState] = [:]
            for (name, callback) in Trainer.statefulCallbacks(callbacksOfLastFit) { states[name] = callback.state() }
            return Progress(epochsCompleted: epochsCompleted, epochPosition: epochPosition, history: history,
                            shuffleGenerator: shuffleGenerator, generators: Dictionary(randomStateHolders.map { ($0.name, $0.holder.generator) },
                                                                                        uniquingKeysWith: { first, _ in first }),
                            callbackStates: states)
        }
        set {
            epochsCompleted = newValue.epochsCompleted
            epochPosition = newValue.epochPosition
            history = newValue.history
            shuffleGenerator = newValue.shuffleGenerator
            for (name, holder) in randomStateHolders {
                if let g = newValue.generators[name] { holder.generator = g }
            }
            pendingCallbackStates = newValue.callbackStates
        }
    }

    /// Every generator training draws from besides the shuffle's, by the name ``Progress/generators`` uses.
    public var randomStateHolders: [(name: String, holder: any RandomStateHolder)] {
        model.randomStateHolders.map { ("model" + ($0.name.isEmpty ? "" : "." + $0.name), $0.holder) }
            + (augmentation.map { [("augmentation", $0)] } ?? [])
    }

    /// The callbacks of the last (or running) `fit`, whose states ``progress`` reports.
    private var callbacksOfLastFit: [Callback] = []
    /// Callback states from a checkpoint, for the next `fit`'s callbacks.
    private var pendingCallbackStates: [String: CallbackState] = [:]

    /// The stateful callbacks among `callbacks`, each under its state name (a second one of a name gets `.1`, …).
    static func statefulCallbacks(_ callbacks: [Callback]) -> [(name: String, callback: any StatefulCallback)] {
        var out: [(name: String, callback: any StatefulCallback)] = []
        for case let c as any StatefulCallback in callbacks {
            var name = c.stateName, k = 0
            while out.contains(where: { $0.name == name }) {
                k += 1
                name = "\(c.stateName).\(k)"
            }
            out.append((name, c))
        }
        return out
    }

    /// The model's parameters, found once per `fit`.
    private var namedParameters: [(name: String, parameter: Parameter)]?

    private var hasRegularizer: Bool { (namedParameters ?? model.namedParameters).contains { $0.parameter.regularizer != nil } }

    public convenience init(model: Module, loss: Loss, optimizer: Optimizer, metrics: [Metric] = [], seed: UInt64 = 0) {
        self.init(model: model, losses: [loss], optimizer: optimizer, metrics: metrics, seed: seed)
    }

    /// A trainer for a model with several outputs: one loss per output, in the order of the model's outputs, and
    /// each output's weight in the objective. The metrics are computed on every output; with several outputs the
    /// logs name each output's loss and metrics after it (`age_loss`, `digit_accuracy`), and `loss` is the weighted sum.
    ///
    /// ```swift
    /// let trainer = Trainer(model: twoHeads, losses: [.softmaxCrossEntropy(), .meanSquaredError()], lossWeights: [1, 0.5],
    ///                       optimizer: Optimizer(Adam()), metrics: [.accuracy])
    /// ```
    public init(model: Module, losses: [Loss], lossWeights: [Double]? = nil, optimizer: Optimizer, metrics: [Metric] = [],
                seed: UInt64 = 0) {
        require(!losses.isEmpty, "Trainer: needs a loss")
        require(lossWeights.map { $0.count == losses.count && $0.allSatisfy { $0 >= 0 && $0.isFinite } } ?? true,
                "Trainer: \(lossWeights ?? []) are not one finite weight ≥ 0 per loss (\(losses.count))")
        self.model = model
        self.losses = losses
        self.lossWeights = lossWeights ?? Array(repeating: 1, count: losses.count)
        self.optimizer = optimizer
        self.metrics = metrics
        shuffleGenerator = RandomGenerator(seed: seed)
    }

    /// Whether the loss reads the model's outputs as logits (so a single output's decision threshold is 0, not 0.5).
    public var lossTakesLogits: Bool { Trainer.takesLogits(loss) }

    static func takesLogits(_ loss: Loss) -> Bool {
        switch loss.kind {
        case .binaryCrossEntropyWithLogits, .softmaxCrossEntropy, .softmaxCrossEntropyWithProbabilities: return true
        default: return false
        }
    }

    /// The names of the model's outputs: a graph's output nodes, or `output`. With several outputs, they prefix each
    /// output's loss and metrics in the logs.
    public var outputNames: [String] {
        guard let graph = model as? GraphModel else { return ["output"] }
        return graph.outputSlots.map { graph.slotNames[$0] }
    }

    /// The model's outputs for a batch, each with the mask it carries (``Embedding`` with `maskZero` makes one).
    func forward(_ x: [Tensor]) -> [(output: Tensor, mask: Tensor?)] {
        if let graph = model as? GraphModel, graph.outputSlots.count > 1 { return graph.outputs(for: x, masks: x.map { _ in nil }) }
        if model.makesMask { return [model.maskedCall(x, masks: x.map { _ in nil })] }
        return [(x.count == 1 ? model(x[0]) : model(x), nil)]
    }

    /// Each output's data loss, and their weighted sum (the one output's loss itself for a single output).
    func dataLosses(_ outputs: [(output: Tensor, mask: Tensor?)], _ targets: [Tensor]) -> (total: Tensor, each: [Tensor]) {
        let each = zip(zip(losses, outputs), targets).map { pair, y in pair.0(predictions: pair.1.output, targets: y, mask: pair.1.mask) }
        guard each.count > 1 else { return (each[0], each) }
        return (zip(each, lossWeights).dropFirst().reduce(each[0] * lossWeights[0]) { $0 + $1.0 * $1.1 }, each)
    }

    /// Adds each output's loss (with several outputs) and every metric's sum and count over `outputs` to `sums`,
    /// weighing the losses by `examples`.
    func accumulate(_ sums: inout Logs, losses each: [Double], outputs: [(output: Tensor, mask: Tensor?)], targets: [Tensor], examples: Int) {
        let names = each.count > 1 ? outputNames.map { $0 + "_" } : [""]
        for (i, (out, y)) in zip(outputs, targets).enumerated() {
            if each.count > 1 { sums[names[i] + "loss", default: 0] += each[i] * Double(examples) }
            for m in metrics {
                let (s, c) = m.total(predictions: out.output, targets: y, fromLogits: Trainer.takesLogits(losses[i]), mask: out.mask)
                sums[names[i] + m.name, default: 0] += s
                sums[names[i] + m.name + Trainer.countSuffix, default: 0] += Double(c)
            }
        }
    }

    /// Throws unless the model, the losses and the data agree on the number of outputs.
    private func checkOutputs(targetCount: Int, _ op: String) throws {
        let k = outputNames.count
        guard losses.count == k, targetCount == k else {
            throw TrainingError.invalidArgument("\(op): the model has \(k) output\(k == 1 ? "" : "s") (\(outputNames.joined(separator: ", "))), "
                                                + "the trainer \(losses.count) loss\(losses.count == 1 ? "" : "es") and the data \(targetCount) target\(targetCount == 1 ? "" : "s")")
        }
    }

    /// The number of batches of at most `batchSize` that hold `examples` examples (the last one may be smaller).
    ///
    /// ```swift
    /// Trainer.batchCount(examples: 60_000, batchSize: 128)   // 469
    /// ```
    public static func batchCount(examples: Int, batchSize: Int) -> Int {
        examples <= 0 ? 0 : (examples - 1) / batchSize + 1
    }

    /// Trains for `epochs` passes over (x, y) in mini-batches and returns the per-epoch history of this call.
    ///
    /// - `batchSize`: 1 is stochastic gradient descent, `x.shape[0]` is full-batch gradient descent.
    /// - `validationSplit`: the last fraction of the examples (taken before shuffling, as Keras does) is held out.
    /// - Logs: `loss` is the data loss averaged over the epoch's batches; `regularization` the penalty added to it
    ///   for the gradient; `val_` prefixes validation values; `lr` and `seconds` per epoch.
    @discardableResult
    public func fit(x: Tensor, y: Tensor, batchSize: Int = 32, epochs: Int = 1, validationSplit: Double = 0,
                    validationData: (x: Tensor, y: Tensor)? = nil, shuffle: Bool = true, callbacks: [Callback] = [],
                    verbose: Bool = false) throws -> History {
        try checkPair(x, y, "training data")
        if let v = validationData { try checkPair(v.x, v.y, "validation data") }
        return try fit(TensorPairs(x: x, y: y), batchSize: batchSize, epochs: epochs, validationSplit: validationSplit,
                       validationData: validationData.map { TensorPairs(x: $0.x, y: $0.y) }, shuffle: shuffle,
                       callbacks: callbacks, verbose: verbose)
    }

    /// Trains on the batches drawn from `data` (e.g. ``ByteImages``, kept compact and scaled per batch); otherwise
    /// as ``fit(x:y:batchSize:epochs:validationSplit:validationData:shuffle:callbacks:verbose:)``.
    ///
    /// ```swift
    /// let (train, test) = try IDXDataset.fashionMNISTImages()
    /// try trainer.fit(train, batchSize: 128, epochs: 5, validationData: test)
    /// ```
    @discardableResult
    public func fit(_ data: some BatchSource, batchSize: Int = 32, epochs: Int = 1, validationSplit: Double = 0,
                    validationData: (any BatchSource)? = nil, shuffle: Bool = true, callbacks: [Callback] = [],
                    verbose: Bool = false) throws -> History {
        guard batchSize > 0 else { throw TrainingError.invalidArgument("fit: batchSize must be positive, got \(batchSize)") }
        guard epochs >= 0 else { throw TrainingError.invalidArgument("fit: epochs must be ≥ 0, got \(epochs)") }
        guard (0..<1).contains(validationSplit) else {
            throw TrainingError.invalidArgument("fit: validationSplit must be in [0, 1), got \(validationSplit)")
        }
        guard data.count > 0 else { throw TrainingError.invalidArgument("training data: no examples") }
        if let v = validationData, v.count == 0 { throw TrainingError.invalidArgument("validation data: no examples") }
        var train: any BatchSource = data
        var validation = validationData
        if validation == nil && validationSplit > 0 {
            guard !(data is any EpochOrderShard) else {
                throw TrainingError.invalidArgument("fit: hold out before sharding (holdingOut(fraction:), then shard), not with validationSplit")
            }
            do { (train, validation) = try data.holdingOut(fraction: validationSplit) } catch {
                throw TrainingError.invalidArgument("fit: validationSplit \(validationSplit) of \(data.count) examples leaves an empty split")
            }
        }
        do { try model.checkInputs(shapes: data.inputShapes) } catch { throw TrainingError.shapeMismatch(error) }
        try checkOutputs(targetCount: data.targetCount, "fit")
        if augmentation != nil && data.inputShapes.count != 1 {
            throw TrainingError.invalidArgument("fit: augmentation takes a model with one input, this data has \(data.inputShapes.count)")
        }

        // Reflection over the model is not free: find the parameters once per fit.
        namedParameters = model.namedParameters
        defer { namedParameters = nil }
        let all = (verbose ? [ProgressBar()] : []) + callbacks
        callbacksOfLastFit = callbacks
        var thisRun = History()
        stopTraining = false
        let n = train.count
        let batchSize = Swift.min(batchSize, n)   // a batch larger than the data is the whole data, as in Keras
        let steps = Trainer.batchCount(examples: n, batchSize: batchSize)
        // As Keras's params: "epochs" is the epoch this call trains up to, so a resumed run shows "Epoch 3/4".
        try all.forEach {
            try $0.onTrainBegin(self, logs: ["epochs": Double(epochsCompleted + epochs), "initial_epoch": Double(epochsCompleted),
                                             "steps": Double(steps)])
        }
        if !pendingCallbackStates.isEmpty {
            for (name, callback) in Trainer.statefulCallbacks(callbacks) {
                if let state = pendingCallbackStates[name] { try callback.restore(state, trainer: self) }
            }
            pendingCallbackStates = [:]
        }
        for _ in 0..<epochs where !stopTraining {
            let epoch = epochsCompleted
            try all.forEach { try $0.onEpochBegin(self, epoch: epoch, logs: [:]) }
            let start = Trainer.now()
            // A resumed mid-epoch position replays the same shuffle and skips the batches already done.
            let resumed = epochPosition
            if let resumed { shuffleGenerator = resumed.generatorBeforeShuffle }
            let generatorBeforeShuffle = shuffleGenerator
            let lr = resumed?.learningRate ?? optimizer.currentLearningRate
            let shard = train as? any EpochOrderShard
            var order = Array(0..<(shard?.orderCount ?? n))
            if shuffle { order.shuffle(using: &shuffleGenerator) }
            if let shard { order = shard.part(of: order) }
            var sums = resumed?.sums ?? Logs(), seen = resumed?.examplesSeen ?? 0, penaltySum = resumed?.penaltySum ?? 0
            model.setTraining(true)
            for b in (resumed?.batchesCompleted ?? 0)..<steps where !stopTraining {
                try all.forEach { try $0.onBatchBegin(self, batch: b, logs: [:]) }
                let idx = Array(order[(b * batchSize)..<Swift.min((b + 1) * batchSize, n)])
                var (xb, yb) = train.trainingBatch(idx)
                if let augmentation { xb = withoutGradient { [augmentation(xb[0])] } }
                let step = trainStep(inputs: xb, targets: yb)
                let count = idx.count
                seen += count
                sums["loss", default: 0] += step.loss * Double(count)
                penaltySum += step.penalty * Double(count)
                accumulate(&sums, losses: step.outputLosses, outputs: step.outputs, targets: yb, examples: count)
                var logs = Trainer.averages(sums, examples: seen)
                logs["batch_size"] = Double(count)
                epochPosition = EpochPosition(batchesCompleted: b + 1, generatorBeforeShuffle: generatorBeforeShuffle, sums: sums,
                                              examplesSeen: seen, penaltySum: penaltySum, learningRate: lr)
                try all.forEach { try $0.onBatchEnd(self, batch: b, logs: logs) }
            }
            epochPosition = nil
            var logs = Trainer.averages(sums, examples: seen)
            if hasRegularizer { logs["regularization"] = penaltySum / Double(Swift.max(seen, 1)) }
            if let v = validation {
                for (k, value) in try evaluate(v, batchSize: Swift.max(batchSize, 256)) { logs["val_" + k] = value }
            }
            logs["lr"] = lr
            logs["seconds"] = Trainer.now() - start
            history.append(epoch: epoch, logs: logs)
            thisRun.append(epoch: epoch, logs: logs)
            epochsCompleted += 1
            try all.forEach { try $0.onEpochEnd(self, epoch: epoch, logs: logs) }
        }
        try all.forEach { try $0.onTrainEnd(self, logs: thisRun.values.mapValues { $0.last ?? .nan }) }
        model.setTraining(false)
        return thisRun
    }

    /// One optimizer step on a batch: forward, loss (+ regularization penalty), backward, update.
    /// Returns the data loss, the penalty and the (detached) predictions.
    @discardableResult
    public func trainStep(_ x: Tensor, _ y: Tensor) -> (loss: Double, penalty: Double, predictions: Tensor) {
        let step = trainStep(inputs: [x], y)
        return (step.loss, step.penalty, step.predictions)
    }

    /// The key under which an epoch's running sums keep a metric's count of positions (examples, or unmasked steps).
    static let countSuffix = "#count"

    /// The epoch's averages: the loss per example, each metric per position it counted (per example for running
    /// sums saved before masks, which have no counts).
    static func averages(_ sums: Logs, examples: Int) -> Logs {
        var logs: Logs = [:]
        for (key, value) in sums where !key.hasSuffix(countSuffix) {
            logs[key] = value / Swift.max(sums[key + countSuffix] ?? Double(examples), 1)
        }
        return logs
    }

    /// One optimizer step on a batch of a model with several inputs (one tensor each); as ``trainStep(_:_:)``. A
    /// padding mask the model makes (``Embedding`` with `maskZero`) weighs the loss, and is returned for the metrics.
    @discardableResult
    public func trainStep(inputs x: [Tensor], _ y: Tensor) -> (loss: Double, penalty: Double, predictions: Tensor, mask: Tensor?) {
        let step = trainStep(inputs: x, targets: [y])
        return (step.loss, step.penalty, step.outputs[0].output, step.outputs[0].mask)
    }

    /// One optimizer step on a batch with one target per model output: the objective is the weighted sum of the
    /// outputs' losses (``lossWeights``) plus the regularization penalty. Returns that sum without the penalty, each
    /// output's loss, the penalty, and the (detached) outputs with their masks.
    @discardableResult
    public func trainStep(inputs x: [Tensor], targets y: [Tensor])
        -> (loss: Double, outputLosses: [Double], penalty: Double, outputs: [(output: Tensor, mask: Tensor?)]) {
        let named = namedParameters ?? model.namedParameters
        let outputs = forward(x)
        let (dataLoss, each) = dataLosses(outputs, y)
        let penalty = Module.regularizationPenalty(of: named.map(\.parameter))
        let objective = penalty.map { dataLoss + $0 } ?? dataLoss
        if objective.requiresGradient {
            objective.backward()
            optimizer.update(named.filter { $0.parameter.requiresGradient })
        }
        return (dataLoss.scalar, each.map(\.scalar), penalty?.scalar ?? 0, outputs.map { ($0.output.detached, $0.mask) })
    }

    /// The loss and metrics over (x, y), in inference mode, without gradients.
    public func evaluate(x: Tensor, y: Tensor, batchSize: Int = 256) throws -> Logs {
        try checkPair(x, y, "evaluation data")
        return try evaluate(TensorPairs(x: x, y: y), batchSize: batchSize)
    }

    /// The loss and metrics over every example of `data`, drawn in batches, in inference mode, without gradients.
    public func evaluate(_ data: any BatchSource, batchSize: Int = 256) throws -> Logs {
        let (outputs, targets) = try outputs(data, batchSize: batchSize, for: ("evaluate", "evaluation data"))
        return logs(outputs, targets: targets)
    }

    /// The model's outputs for every example of `data`, drawn in batches (inference mode, no tape), as Keras's
    /// `predict` on a dataset: ``ByteImages`` need not be expanded to Float32 first.
    ///
    /// ```swift
    /// let (_, test) = try IDXDataset.fashionMNISTImages()
    /// let logits = try trainer.predict(test)   // [10000, 10]
    /// ```
    public func predict(_ data: any BatchSource, batchSize: Int = 256) throws -> Tensor {
        let outputs = try predictOutputs(data, batchSize: batchSize)
        guard outputs.count == 1 else {
            throw TrainingError.invalidArgument("predict: the model has \(outputs.count) outputs (\(outputNames.joined(separator: ", "))): use predictOutputs")
        }
        return outputs[0]
    }

    /// Each of the model's outputs for every example of `data` (one tensor per output, in the model's order), as
    /// Keras's `predict` gives a list for a model with several outputs.
    public func predictOutputs(_ data: any BatchSource, batchSize: Int = 256) throws -> [Tensor] {
        try outputs(data, batchSize: batchSize, for: ("predict", "prediction data")).outputs.map(\.output)
    }

    /// Every output with its mask (for outputs that carry one), and the targets, of every example of `data`, in
    /// order, `batchSize` at a time.
    private func outputs(_ data: any BatchSource, batchSize: Int, for caller: (op: String, data: String)) throws
        -> (outputs: [(output: Tensor, mask: Tensor?)], targets: [Tensor]) {
        guard batchSize > 0 else { throw TrainingError.invalidArgument("\(caller.op): batchSize must be positive, got \(batchSize)") }
        guard data.count > 0 else { throw TrainingError.invalidArgument("\(caller.data): no examples") }
        do { try model.checkInputs(shapes: data.inputShapes) } catch { throw TrainingError.shapeMismatch(error) }
        if caller.op == "evaluate" { try checkOutputs(targetCount: data.targetCount, caller.op) }
        let k = outputNames.count
        var predictions = Array(repeating: [Tensor](), count: k), masks = predictions, targets = predictions
        let byForward = k > 1 || model.makesMask
        let wasTraining = model.isTraining
        if byForward { model.setTraining(false) }
        defer { if byForward { model.setTraining(wasTraining) } }
        for start in stride(from: 0, to: data.count, by: batchSize) {
            let (x, y) = data.trainingBatch(Array(start..<Swift.min(start + batchSize, data.count)))
            let outs = byForward ? withoutGradient { forward(x) } : [(model.predict(x, batchSize: batchSize), nil)]
            for (i, out) in outs.enumerated() {
                predictions[i].append(out.output)
                if let m = out.mask { masks[i].append(m) }
            }
            for (i, t) in y.enumerated() where i < k { targets[i].append(t) }
        }
        let outputs = (0..<k).map { i -> (output: Tensor, mask: Tensor?) in
            (Tensor.concatenating(predictions[i]), masks[i].count == predictions[i].count && !masks[i].isEmpty ? Tensor.concatenating(masks[i]) : nil)
        }
        return (outputs, targets.map { $0.isEmpty ? Tensor.zeros([0]) : Tensor.concatenating($0) })
    }

    /// The loss and metrics of predictions the model already made (e.g. by ``predict(x:batchSize:)``, whose
    /// outputs a caller also needs), without predicting again.
    ///
    /// ```swift
    /// let predictions = trainer.predict(x: test.features)
    /// let logs = trainer.evaluate(predictions: predictions, targets: test.targets)   // as evaluate(x:y:)
    /// ```
    public func evaluate(predictions: Tensor, targets: Tensor) -> Logs { logs([(predictions, nil)], targets: [targets]) }

    private func logs(_ outputs: [(output: Tensor, mask: Tensor?)], targets: [Tensor]) -> Logs {
        let (total, each) = withoutGradient { dataLosses(outputs, targets) }
        var sums: Logs = [:]
        accumulate(&sums, losses: each.map(\.scalar), outputs: outputs, targets: targets, examples: 1)
        var logs = Trainer.averages(sums, examples: 1)
        logs["loss"] = total.scalar
        return logs
    }

    /// The model's outputs for `x` in batches (inference mode, no tape).
    public func predict(x: Tensor, batchSize: Int = 256) -> Tensor { model.predict(x, batchSize: batchSize) }

    private func checkPair(_ x: Tensor, _ y: Tensor, _ what: String) throws {
        guard x.rank >= 1, y.rank >= 1, x.shape[0] == y.shape[0] else {
            throw TrainingError.invalidArgument("\(what): inputs \(x.shape) and targets \(y.shape) have different example counts")
        }
        guard x.shape[0] > 0 else { throw TrainingError.invalidArgument("\(what): no examples") }
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
