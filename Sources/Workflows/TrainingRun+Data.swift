// A training run's data and model: the datasets it loads, the model spec it builds (the presets), and the check
// that the data fits the model before any tensor math runs.

import Datasets
import FileIO
import NeuralNetworks
import Optimizers
import Persistence
import TensorModule
import Training

extension TrainingRun {
    /// The datasets and (for tabular data) a standardization fitted on the training split.
    /// `standardize: false` leaves tabular features raw (for a saved model that carries its own scaler).
    public static func loadData(_ c: RunConfiguration, standardize: Bool = true) throws -> (Dataset, Dataset, FeatureScaler?) {
        var (train, test): (Dataset, Dataset)
        switch c.data {
        case .builtin(let name):
            (train, test) = try BuiltinDatasets.trainTest(name, seed: c.seed)
        case let .csv(path, label):
            let all = try CSVReader.read(path, label: label)
            try checkExamples(all.features.shape, in: path)
            (train, test) = all.split(testFraction: 0.2, seed: c.seed, stratified: all.isClassification)
        case let .npy(featuresPath, labelsPath):
            let x = try NPYArray(contentsOf: featuresPath), y = try NPYArray(contentsOf: labelsPath)
            guard x.shape.first == y.shape.first, x.shape.count >= 2 else {
                throw DataError(file: labelsPath, "\(y.shape.first ?? 0) labels for features of shape \(x.shape) in \(featuresPath)")
            }
            try checkExamples(x.shape, in: featuresPath)
            try checkExamples(y.shape, in: labelsPath)
            let features = x.tensor(), labels = y.tensor()
            try checkFinite(features, in: featuresPath)
            try checkFinite(labels, in: labelsPath)
            let values = labels.values
            let integral = values.allSatisfy { $0 == $0.rounded() }
            if y.kind != .float, let bad = values.firstIndex(where: { $0 < 0 }) {
                throw DataError(file: labelsPath, location: "element \(bad)", "class label \(Int(values[bad])) is negative")
            }
            let all: Dataset
            if integral && y.shape.count == 1 && values.allSatisfy({ $0 >= 0 }) {
                let largest = labels.max().scalar
                guard largest < 10_000 else { throw DataError(file: labelsPath, "label \(largest) is too large for a class index") }
                let classes = Int(largest) + 1
                all = Dataset(name: featuresPath, features: features, targets: labels, classNames: (0..<classes).map(String.init))
            } else {
                all = Dataset(name: featuresPath, features: features, targets: labels.reshaped(to: [x.shape[0], -1]))
            }
            (train, test) = all.split(testFraction: 0.2, seed: c.seed, stratified: all.isClassification)
        case let .idx(images, labels):
            let (x, y) = try IDXDataset.load(images: images, labels: labels, classCount: 256, flatten: false)
            try checkExamples(x.shape, in: images)
            try checkFinite(x, in: images)
            let classes = Int(y.max().scalar) + 1
            let example = Array(x.shape.dropFirst())
            let image = example.count == 2 ? example + [1] : example.count == 3 ? example : nil
            let all = Dataset(name: images, features: x.reshaped(to: [x.shape[0], -1]), targets: y,
                              classNames: (0..<classes).map(String.init), imageShape: image)
            (train, test) = all.split(testFraction: 0.2, seed: c.seed, stratified: true)
        case .text(let path):
            (train, test) = try Dataset.languageModel(text: try TextFile.read(path), name: path, length: 100, trainFraction: 0.9)
        case .ratings(let path):
            (train, test) = try Ratings.read(path).split(testFraction: 0.2, seed: c.seed)
        case let .series(path, column):
            (train, test) = try ForecastWindows(csv: path, column: column, window: 12, testCount: 12).datasets(name: path)
        }
        guard train.count > 0, test.count > 0 else { throw DataError(file: train.name, "not enough examples to split") }
        let imageLike = train.name == "fashion-mnist" || train.name == "digits" || { if case .idx = c.data { return true }; return false }()
        // Sequences keep their values: their zero padding must stay zero for the mask. Token ids are ids.
        guard !imageLike, !train.isSequences, train.features.dtype.isFloatingPoint, standardize else { return (train, test, nil) }
        let scaler = FeatureScaler.standardization(fittedOn: train.features)
        train.features = scaler.apply(train.features)
        test.features = scaler.apply(test.features)
        return (train, test, scaler)
    }

    /// Throws unless data of `shape` [N, …] has enough examples to split into training and test sets and to train
    /// on (5), each with at least one value: an empty file would otherwise reach the model as a zero-size layer.
    static func checkExamples(_ shape: [Int], in path: String) throws {
        let n = shape.first ?? 0
        guard n >= 5 else { throw DataError(file: path, "needs at least 5 examples, found \(n)") }
        guard shape.dropFirst().reduce(1, *) > 0 else {
            throw DataError(file: path, "examples have no values: shape \(shape)")
        }
    }

    /// Throws unless every value of `data` (as the model will see it, Float32) is a finite number: NaN, an
    /// infinity, or a number beyond Float32's ±3.4·10³⁸ would make every loss NaN. Names the first bad example.
    static func checkFinite(_ data: Tensor, in path: String) throws {
        // Scanned in place: a Double copy of Fashion-MNIST's training images would take 376 MB.
        let found: (index: Int, value: Double)? = switch data.dtype {
        case .int32: nil
        case .float32: data.withUnsafeScalars(as: Float.self) { v in v.firstIndex { !$0.isFinite }.map { ($0, Double(v[$0])) } }
        case .float64: data.withUnsafeScalars(as: Double.self) { v in v.firstIndex { !$0.isFinite }.map { ($0, v[$0]) } }
        }
        guard let (bad, value) = found else { return }
        let perExample = Swift.max(1, data.count / Swift.max(1, data.shape.first ?? 1))
        throw DataError(file: path, location: "example \(bad / perExample), value \(bad % perExample)",
                        "expected a finite number within Float32's range (±3.4e38), found \(value)")
    }

    static func modelSpec(_ c: RunConfiguration, train: Dataset) throws -> ModelSpec {
        var spec: ModelSpec
        switch c.model(for: train) {
        case .specFile(let path):
            let bytes = try AtomicFile.read(path, limit: 16 << 20)
            do { spec = try ModelSpec(json: bytes) } catch { throw DataError(file: path, error.description) }
        case .preset, .automatic:
            guard case .preset(let name) = c.model(for: train) else { throw DataError(file: "--model", "no preset for \(train.name)") }
            var layers: [LayerSpec] = train.exampleShape.count > 1 ? [.flatten] : []
            var learningRate = 1e-3
            switch name {
            case "linear": break
            case "lstm":
                // Masked steps (all-zero padding) are skipped; each channel is standardized with the training data's
                // statistics; an LSTM reads each sequence both ways and their last states feed the output. On the
                // Japanese vowels (40 epochs, batch 32) test accuracy is 0.986, 0.970 and 0.978 for seeds 0–2; one
                // direction gives 0.968, 0.951, 0.965, and without the standardization 0.973, 0.959, 0.962 (README).
                guard train.isSequences else {
                    throw DataError(file: "--model lstm", "needs sequences [time, features]; \(train.name)'s examples have shape \(train.exampleShape)")
                }
                layers = [LayerSpec(Masking.Configuration()), .normalization,
                          LayerSpec(Bidirectional.Configuration(layer: LayerSpec(LSTM.Configuration(units: 64))))]
            case "charlstm":
                // The peers' charlstm workload (../shared/bench/peers): Embedding 64 → LSTM 256 at every step → Dense
                // over the vocabulary at every step, Adam 2e-3.
                guard train.features.dtype == .int32, train.exampleShape.count == 1, let vocabulary = train.classNames?.count else {
                    throw DataError(file: "--model charlstm", "needs token ids [time] with next-token targets (--text or --dataset shakespeare); "
                                    + "\(train.name)'s examples have shape \(train.exampleShape)")
                }
                layers = [.embedding(vocabularySize: vocabulary, dimension: 64), LayerSpec(LSTM.Configuration(units: 256, returnSequences: true))]
                learningRate = 2e-3
            case "lstm-forecaster":
                // One LSTM of 32 over the window's relative logs, then the next month's log ratio.
                guard train.isSequences else {
                    throw DataError(file: "--model lstm-forecaster", "needs windows [time, features] (--series or --dataset airline); "
                                    + "\(train.name)'s examples have shape \(train.exampleShape)")
                }
                layers = [LayerSpec(LSTM.Configuration(units: 32))]
            case "matrix-factorization": break   // a graph, built below
            case "mlp": layers += [.dense(256, activation: .relu), .dense(128, activation: .relu)]
            case "cnn", "cnn-strong":
                let size = try imageShape(of: train, for: "--model \(name)")
                // cnn: 3×3 valid, pool 2, 3×3 valid, pool 2 needs 10×10; cnn-strong pads its convolutions: 4×4.
                let smallest = name == "cnn" ? 10 : 4
                guard size[0] >= smallest && size[1] >= smallest else {
                    throw DataError(file: "--model \(name)", "needs images of at least \(smallest)×\(smallest) for its two 3×3 convolutions "
                                    + "and 2×2 poolings; \(train.name)'s are \(size[0])×\(size[1])"
                                    + (name == "cnn" && size[0] >= 4 && size[1] >= 4 ? " (cnn-strong pads its convolutions and fits them)" : ""))
                }
                // Each channel standardized with the training images' statistics (adapted before training) lifts the
                // cnn preset's mean test accuracy on Fashion-MNIST after 2 epochs from 0.874 (pixels / 255) to 0.88
                // (BENCHMARKS.md). The mlp preset gains nothing from it (0.8814 against 0.8819 after 10 epochs, five
                // seeds), so it keeps pixels / 255.
                layers = [.reshape(size), .normalization] + (name == "cnn" ? cnnLayers : strongCNNLayers)
            default:
                throw DataError(file: "--model", "unknown preset '\(name)' (available: \(RunConfiguration.presets.joined(separator: ", ")))")
            }
            spec = name == "matrix-factorization" ? try matrixFactorization(train, validationSplit: c.validationSplit)
                : train.presetSpec(hidden: layers, optimizer: Adam(learningRate: learningRate), validationSplit: c.validationSplit)
        }
        if let rule = c.optimizer { spec.optimizer = rule }
        if let lr = c.learningRate {
            guard lr > 0, lr.isFinite else { throw DataError(file: "--learning-rate", "must be a positive number, found \(lr)") }
            spec.optimizer.learningRate = lr
        }
        switch c.schedule {
        case .given(let schedule)?: spec.schedule = schedule
        case .cosineOverTheRun?:
            let (steps, overflow) = c.epochs.multipliedReportingOverflow(by: Trainer.batchCount(examples: train.count, batchSize: c.batchSize))
            // Capped at the largest integer a spec holds: no run gets that far (--epochs 10^18 would).
            spec.schedule = .cosine(totalSteps: overflow ? 999_999_999_999_999 : Swift.min(steps, 999_999_999_999_999), minimum: 0)
        case nil: break
        }
        return spec
    }

    /// Checks that `data` fits `model`, built from `spec`, before any tensor math runs (a misfit there would stop the program):
    /// the examples have the model's input shape, and the model's output fits the targets its loss compares it
    /// with — logits for at least as many classes as the labels name (softmax cross-entropy, which needs class
    /// labels), or outputs the targets reshape or broadcast to. `source` names the model in the error.
    ///
    /// ```swift
    /// try TrainingRun.checkFits(test, spec: trained.spec, model: trained.model, source: "run/model.json")
    /// ```
    /// For `training`, a classifier's output must have exactly one score per class: a wider output would train scores
    /// no label ever asks for, and report them in its accuracy. A model evaluated on data holding only some of its
    /// classes may be wider.
    public static func checkFits(_ data: Dataset, spec: ModelSpec, model: Module, source: String, training: Bool = false) throws {
        guard !spec.readsTokenIds || data.features.dtype == .int32 else {
            throw DataError(file: source, "the model reads int32 token ids (an embedding layer on its input); \(data.name) holds float features")
        }
        if let counts = data.idColumnCounts {
            try checkIdColumns(data, counts: counts, spec: spec, source: source)
        } else {
            // Token ids must have rows in the embedding that reads them (an id beyond it would stop the program).
            if data.features.dtype == .int32, let embedding = spec.layers.first?.configuration as? Embedding.Configuration,
               let largest = data.features.integers.max(), Int(largest) >= embedding.vocabularySize {
                throw DataError(file: source, "the embedding has \(embedding.vocabularySize) rows, but \(data.name) holds token id \(largest)")
            }
            guard data.exampleShape == spec.input else {
                throw DataError(file: source, "input \(spec.input) does not match the data's example shape \(data.exampleShape)")
            }
        }
        let output: [Int]
        do { output = Array(try model.outputShape(forInputs: spec.inputShapes.map { [1] + $0 }).dropFirst()) } catch {
            throw DataError(file: source, error.description)
        }
        let targets = Array(data.targets.shape.dropFirst())
        let outputCount = output.reduce(1, *), targetCount = targets.reduce(1, *)
        switch spec.loss.kind {
        case .softmaxCrossEntropy:
            guard let classes = data.classNames?.count else {
                throw DataError(file: source, "loss \(spec.loss.name) needs class labels; \(data.name) has regression targets")
            }
            // One score per class for each target: [classes], or [time, classes] for per-step targets [time].
            guard output.count == targets.count + 1, Array(output.dropLast()) == targets,
                  training ? output.last == classes : output.last! >= classes else {
                throw DataError(file: source, "the model's output \(output) cannot score \(data.name)'s \(classes) classes with loss "
                                + "\(spec.loss.name): it needs \(targets + [classes]) (one score per class)")
            }
        default:
            // Equal counts are reshaped; otherwise the loss broadcasts [batch] + output against [batch] + targets, which
            // holds for every batch size only dimension by dimension (logits-BCE expands the targets to the output).
            let expandsOnly = spec.loss.kind == .binaryCrossEntropyWithLogits
            let fits = outputCount == targetCount || output.count == targets.count
                && zip(output, targets).allSatisfy { o, t in o == t || t == 1 || (o == 1 && !expandsOnly) }
            guard fits else {
                throw DataError(file: source, "the model's output \(output) does not fit \(data.name)'s targets \(targets) "
                                + "with loss \(spec.loss.name)")
            }
        }
    }

    /// Checks that a batch of `batchSize` examples of shape `input` through `model` fits in this machine's memory
    /// (``MemoryBudget/batchProblem(valuesPerExample:batchSize:training:)``): every layer's output, and its gradient
    /// when `training`. `source` names the setting in the error.
    ///
    /// ```swift
    /// try TrainingRun.checkBatchMemory(model, inputs: [[28, 28, 1]], batchSize: 128, training: true, source: "--batch-size")
    /// ```
    public static func checkBatchMemory(_ model: Module, inputs: [[Int]], batchSize: Int, training: Bool, source: String) throws {
        let values: Int?
        do { values = try model.valuesPerExample(inputs: inputs) } catch { throw DataError(file: source, error.description) }
        if let problem = MemoryBudget.batchProblem(valuesPerExample: values, batchSize: batchSize, training: training) {
            throw DataError(file: source, problem)
        }
    }

    /// The matrix-factorization preset, made of layers a user has: user and item embeddings of 4 factors, their dot
    /// product, plus a user bias and an item bias (embeddings of 1); a last Dense(1) starts as the identity plus the
    /// mean training rating (the global bias). Trained with Adam 3e-3 on the mean squared error, reporting MAE.
    /// On the synthetic ratings (rank 4, noise 0.25), 60 epochs of batch 64 reach a test RMSE of 0.30; 8 factors
    /// fit the noise (0.40), and an L2 penalty on them did not help (1e-5 … 3e-3 gave 0.40 … 0.53).
    static func matrixFactorization(_ train: Dataset, validationSplit: Double) throws -> ModelSpec {
        guard let counts = train.idColumnCounts, counts.count == 2 else {
            throw DataError(file: "--model matrix-factorization", "needs (user, item) id columns (--ratings or --dataset synthetic-ratings); "
                            + "\(train.name)'s examples have shape \(train.exampleShape)")
        }
        let trained = train.trainingRows(validationSplit: validationSplit)
        let mean = trained.isEmpty ? 0 : train.targets.slice(alongAxis: 0, trained).mean().scalar
        func node(_ name: String, _ layer: LayerSpec, _ inputs: [String]) -> GraphSpec.NodeSpec {
            GraphSpec.NodeSpec(name: name, layer: .spec(layer), inputs: inputs)
        }
        let graph = GraphSpec(inputs: [.init(name: "user", shape: [1]), .init(name: "item", shape: [1])], nodes: [
            node("userVector", .embedding(vocabularySize: counts[0], dimension: 4), ["user"]),
            node("itemVector", .embedding(vocabularySize: counts[1], dimension: 4), ["item"]),
            node("affinity", LayerSpec(Dot.Configuration()), ["userVector", "itemVector"]),
            node("userBias", .embedding(vocabularySize: counts[0], dimension: 1), ["user"]),
            node("itemBias", .embedding(vocabularySize: counts[1], dimension: 1), ["item"]),
            node("sum", .add, ["affinity", "userBias", "itemBias"]),
            node("rating", LayerSpec(Dense.Configuration(units: 1, weightInitializer: .ones, biasInitializer: .constant(mean))), ["sum"]),
        ], outputs: ["rating"])
        return ModelSpec(graph: graph, loss: .meanSquaredError(), optimizer: Adam(learningRate: 3e-3), metrics: [.meanAbsoluteError])
    }

    /// Data whose columns are ids of their own (users, items: ``Dataset/idColumnCounts``) feeds one model input of
    /// shape [1] per column, and an embedding reading an input must have a row for every id of its column.
    static func checkIdColumns(_ data: Dataset, counts: [Int], spec: ModelSpec, source: String) throws {
        guard spec.inputShapes == Array(repeating: [1], count: counts.count) else {
            throw DataError(file: source, "the model's inputs \(spec.inputShapes) cannot read \(data.name)'s \(counts.count) id columns "
                            + "(one input of shape [1] each)")
        }
        for (column, input) in (spec.graph?.inputs ?? []).enumerated() {
            for node in spec.graph?.nodes ?? [] where node.inputs == [input.name] {
                guard case .spec(let layer) = node.layer, let embedding = layer.configuration as? Embedding.Configuration else { continue }
                guard embedding.vocabularySize >= counts[column] else {
                    throw DataError(file: source, "node '\(node.name)' embeds \(embedding.vocabularySize) ids of input '\(input.name)', "
                                    + "but \(data.name) has \(counts[column])")
                }
            }
        }
    }

    /// The examples as the model reads them: the feature tensor, or for id columns one input per column.
    static func source(_ data: Dataset) -> any BatchSource {
        guard let counts = data.idColumnCounts else { return TensorPairs(x: data.features, y: data.targets) }
        return MultiInputPairs(inputs: (0..<counts.count).map { data.features.slice(alongAxis: 1, $0..<($0 + 1)) }, targets: [data.targets])
    }

    /// Conv 32 3×3 ReLU → MaxPool 2 → Conv 64 3×3 ReLU → MaxPool 2 → Dense 128 ReLU (→ Dense classes).
    static let cnnLayers: [LayerSpec] = [
        .conv2d(32, 3, activation: .relu), .maxPool2d(poolSize: [2, 2], strides: [2, 2], padding: .valid),
        .conv2d(64, 3, activation: .relu), .maxPool2d(poolSize: [2, 2], strides: [2, 2], padding: .valid),
        .flatten, .dense(128, activation: .relu),
    ]

    /// The stronger preset: same-padded convolutions with batch norm, dropout after each block and in the head.
    static let strongCNNLayers: [LayerSpec] = [
        .conv2d(32, 3, padding: .same), .batchNorm(momentum: 0.99, epsilon: 1e-3), .activation(.relu),
        .maxPool2d(poolSize: [2, 2], strides: [2, 2], padding: .valid),
        .conv2d(64, 3, padding: .same), .batchNorm(momentum: 0.99, epsilon: 1e-3), .activation(.relu),
        .maxPool2d(poolSize: [2, 2], strides: [2, 2], padding: .valid), .dropout(rate: 0.25),
        .flatten, .dense(128, activation: .relu), .dropout(rate: 0.5),
    ]
}
