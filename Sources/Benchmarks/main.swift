// `make bench`: NeuralKit's micro-benchmarks, release build, OpenBLAS overrides unset by the Makefile.
// Prints one table; each figure is the median of several timed repeats.
import CBLAS
import FileIO
import Foundation
import NeuralKit

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Median seconds per call of `body`, each repeat looping at least `minTime`.
func measure(repeats: Int = 7, minTime: Double = 0.2, _ body: () -> Void) -> Double {
    body()
    let t0 = now(); body(); let one = Swift.max(now() - t0, 1e-7)
    let iters = Swift.max(1, Int(minTime / one))
    var samples: [Double] = []
    for _ in 0..<repeats {
        let s = now()
        for _ in 0..<iters { body() }
        samples.append((now() - s) / Double(iters))
    }
    return samples.sorted()[repeats / 2]
}

func row(_ name: String, _ ours: String, _ reference: String, _ ratio: String) {
    // Columns of fixed width; a longer text keeps all its characters and one space before the next column.
    func cell(_ text: String, _ width: Int) -> String {
        text.count < width ? text.padding(toLength: width, withPad: " ", startingAt: 0) : text + " "
    }
    print(cell(name, 34) + cell(ours, 16) + cell(reference, 18) + ratio)
}

/// `Benchmarks [header|gemm|elementwise|autodiff]…` runs the named sections only (all by default);
/// `make bench` runs each in its own process so one section's worker threads do not disturb the next.
let sections = Set(CommandLine.arguments.dropFirst())
func wanted(_ name: String) -> Bool { sections.isEmpty || sections.contains(name) }

/// `bench-results.json`, shared by the sections of one `make bench` (each runs in its own process): the header
/// section starts it with the date and commit, every other section adds its key.
let resultsPath = ProcessInfo.processInfo.environment["NEURALKIT_RESULTS"] ?? "bench-results.json"

func record(_ key: String, _ value: JSONValue) {
    var members: [(key: String, value: JSONValue)] = []
    if let bytes = try? AtomicFile.read(resultsPath), case .object(let m)? = try? JSONParser.parse(bytes) { members = m }
    members.removeAll { $0.key == key }
    members.append((key, value))
    try? AtomicFile.write(JSONValue.object(members).compactText + "\n", to: resultsPath)
}

if wanted("header") {
    try? AtomicFile.write("{}\n", to: resultsPath)
    record("date", .string(ISO8601DateFormatter().string(from: Date())))
    record("commit", .string(ProcessInfo.processInfo.environment["NEURALKIT_COMMIT"] ?? "unknown"))
    print("NeuralKit \(neuralKitVersion) micro-benchmarks — \(ProcessInfo.processInfo.activeProcessorCount) cores")
    row("workload", "NeuralKit", "reference", "ratio")
}

// GEMM: our matmul against calling cblas_sgemm directly on the same buffers.
var gemmResults: [(key: String, value: JSONValue)] = []
for n in [256, 512, 1024, 2048] where wanted("gemm") {
    var rng = RandomGenerator(seed: 1)
    let a = Tensor.randomUniform([n, n], using: &rng), b = Tensor.randomUniform([n, n], using: &rng)
    let flops = 2 * Double(n * n * n)
    let av = a.scalars(as: Float.self), bv = b.scalars(as: Float.self)
    var c = [Float](repeating: 0, count: n * n)
    // The reference is OpenBLAS with its own two threads; NeuralKit runs it single-threaded and splits products itself.
    openblas_set_num_threads(2)
    let direct = measure(repeats: 5) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, av, Int32(n), bv,
                    Int32(n), 0, &c, Int32(n))
    }
    openblas_set_num_threads(1)
    let ours = measure(repeats: 5) { _ = a.matmul(b) }
    row("gemm n=\(n) GFLOP/s", String(format: "%.1f", flops / ours / 1e9), String(format: "%.1f (cblas)", flops / direct / 1e9),
        String(format: "%.2f× of direct", direct / ours))
    gemmResults.append(("\(n)", .number((flops / ours / 1e7).rounded() / 100)))
}
if wanted("gemm") { record("gemm", .object(gemmResults)) }

// Elementwise over 1M floats: our op (allocating its output, as ops do) against a plain loop over a buffer.
if wanted("elementwise") {
    let n = 1 << 20
    var rng = RandomGenerator(seed: 2)
    let x = Tensor.randomUniform([n], lowerBound: -1, upperBound: 1, using: &rng)
    let y = Tensor.randomUniform([n], lowerBound: -1, upperBound: 1, using: &rng)
    let xs = x.scalars(as: Float.self), ys = y.scalars(as: Float.self)
    let out = UnsafeMutablePointer<Float>.allocate(capacity: n)
    func plain(_ out: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Int) -> Float) -> Double {
        measure { for i in 0..<n { out[i] = f(i) } }
    }
    let elementwise: [(String, () -> Void, () -> Double)] = xs.withUnsafeBufferPointer { px in
        ys.withUnsafeBufferPointer { py in
            [
                ("relu 1M µs", { _ = x.relu() }, { plain(out, n) { px[$0] < 0 ? 0 : px[$0] } }),
                ("add 1M µs", { _ = x + y }, { plain(out, n) { px[$0] + py[$0] } }),
                ("exp 1M µs", { _ = x.exp() }, { plain(out, n) { expf(px[$0]) } }),
            ]
        }
    }
    for (name, op, reference) in elementwise {
        let ours = measure(op), loop = reference()
        row(name, String(format: "%.0f", ours * 1e6), String(format: "%.0f (loop)", loop * 1e6),
            String(format: "%.2f× of loop", ours / loop))
    }
}

// Autodiff overhead: forward + backward of one op on 4-element tensors, per op.
var w = Tensor([0.1, 0.2, 0.3, 0.4])
w.requiresGradient = true
let v = Tensor([1, 2, 3, 4])
let chain = 16
if wanted("autodiff") {
let perOp = measure {
    var h = w
    for _ in 0..<chain { h = (h * v).tanh() }
    h.sum().backward()
    w.grad = nil
} / Double(2 * chain + 1)
row("autodiff fwd+bwd per op (4 elems)", String(format: "%.2f µs", perOp * 1e6), "goal ≤ 1 µs", "")
}

/// Peak resident set size of this process in MiB (VmHWM from /proc/self/status).
/// The seed of the mlp, cnn and tiny workloads' models and shuffling: NEURALKIT_SEED (default 1; the tiny model
/// uses one less, its historical 0). `make bench-peers` passes the round number, as the peer scripts get it.
let workloadSeed = UInt64(ProcessInfo.processInfo.environment["NEURALKIT_SEED"] ?? "") ?? 1

/// The issue's `cnn` preset: Conv 32 3×3 ReLU → MaxPool 2 → Conv 64 3×3 ReLU → MaxPool 2 → Dense 128 ReLU → Dense 10.
/// `normalized` puts NeuralKit's preset's input standardization in front (a Normalization layer, to be adapted).
func cnnPreset(normalized: Bool = false) -> Sequential {
    Sequential([Reshape([28, 28, 1])] + (normalized ? [Normalization(featureCount: 1)] : []) + [
        Conv2D(inputChannels: 1, filters: 32, kernelSize: (3, 3), activation: .relu), MaxPool2D(),
        Conv2D(inputChannels: 32, filters: 64, kernelSize: (3, 3), activation: .relu), MaxPool2D(),
        Flatten(), Dense(inputSize: 1600, outputSize: 128, activation: .relu), Dense(inputSize: 128, outputSize: 10),
    ])
}

func peakRSSMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kb / 1024
}

// MLP on Fashion-MNIST, the peers' workload: 784-256-128-10 ReLU, softmax cross-entropy on logits, Adam 1e-3,
// batch 128, inputs /255, shuffled each epoch; 5 epochs, figure = median seconds of epochs 2–4, accuracy after 5.
if sections.contains("mlp") {
    do {
        let data = try IDXDataset.fashionMNISTImages()
        RandomSeeds.reset(to: workloadSeed)
        let model = Sequential([
            Dense(inputSize: 784, outputSize: 256, activation: .relu),
            Dense(inputSize: 256, outputSize: 128, activation: .relu),
            Dense(inputSize: 128, outputSize: 10),
        ])
        let trainer = Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam(learningRate: 1e-3)),
                              metrics: [.accuracy], seed: workloadSeed)
        let history = try trainer.fit(data.train, batchSize: 128, epochs: 5)
        let timed = Array(history["seconds"][1...3]).sorted()
        let accuracy = try trainer.evaluate(data.test)["accuracy"] ?? .nan
        row("mlp s/epoch (median ep 2–4)", String(format: "%.3f", timed[1]),
            "", "epochs " + history["seconds"].map { String(format: "%.2f", $0) }.joined(separator: " "))
        row("mlp test accuracy after 5 epochs", String(format: "%.4f", accuracy), "", "")
        row("mlp peak RSS MiB", String(format: "%.0f", peakRSSMiB()), "", "")
        record("mlp", .object([("seconds_per_epoch", .number(timed[1])), ("test_accuracy", .number(accuracy)),
                               ("peak_rss_mib", .number(peakRSSMiB().rounded()))]))
    } catch {
        print("mlp: \(error)")
    }
}

/// Median seconds of a training step's phases (forward, loss, backward, optimizer update) on one fixed batch (by
/// default 128 random flat 784-pixel inputs), over `steps` steps after `warmUp`.
func stepPhases(_ model: Sequential, batch: (x: Tensor, y: Tensor)? = nil, warmUp: Int, steps: Int) -> [(phase: String, seconds: Double)] {
    let optimizer = Optimizer(Adam(learningRate: 1e-3))
    var rng = RandomGenerator(seed: 1)
    let x = batch?.x ?? Tensor.randomUniform([128, 784], using: &rng)
    let y = batch?.y ?? Tensor((0..<128).map { Double($0 % 10) })
    let loss = Loss.softmaxCrossEntropy()
    var phases: [[Double]] = [[], [], [], []]
    for step in 0..<warmUp + steps {
        let t0 = now()
        let logits = model(x)
        let t1 = now()
        let l = loss(predictions: logits, targets: y)
        let t2 = now()
        l.backward()
        let t3 = now()
        optimizer.update(model.trainableParameters)
        let t4 = now()
        if step >= warmUp { for (i, d) in [t1 - t0, t2 - t1, t3 - t2, t4 - t3].enumerated() { phases[i].append(d) } }
    }
    return zip(["forward", "loss", "backward", "update"], phases).map { ($0, $1.sorted()[$1.count / 2]) }
}

// Where an MLP training step's time goes (batch 128): medians over 300 steps after 30 warm-up steps.
if sections.contains("mlp-phases") {
    RandomSeeds.reset(to: 1)
    let model = Sequential([
        Dense(inputSize: 784, outputSize: 256, activation: .relu),
        Dense(inputSize: 256, outputSize: 128, activation: .relu),
        Dense(inputSize: 128, outputSize: 10),
    ])
    for (phase, t) in stepPhases(model, warmUp: 30, steps: 300) {
        row("mlp step \(phase) µs", String(format: "%.0f", t * 1e6), "", "")
    }
}

// Where a cnn-preset training step's time goes (batch 128, random images): medians over 40 steps after 5 warm-up.
if sections.contains("cnn-phases") {
    RandomSeeds.reset(to: 1)
    for (phase, t) in stepPhases(cnnPreset(), warmUp: 5, steps: 40) {
        row("cnn step \(phase) ms", String(format: "%.2f", t * 1e3), "", "")
    }
}

// Conv GFLOP/s at the cnn preset's shapes (batch 128): forward, backward-data, backward-weights, median of 5.
if sections.contains("conv") {
    var rng = RandomGenerator(seed: 3)
    /// Rows of forward, backward-data and backward-weights GFLOP/s of `op` on `x` and `k`, each pass counted as
    /// `flops` (a direct convolution's multiply-adds × 2). Each round back-propagates a fixed output gradient.
    func rates(_ name: String, flops: Double, _ x: Tensor, _ k: Tensor, _ op: (Tensor, Tensor) -> Tensor) {
        var x = x, k = k
        let forward = measure(repeats: 5, minTime: 0.5) { _ = op(x, k) }
        k.requiresGradient = true   // backward-weights only: the input needs no gradient
        let g = Tensor.ones(op(x, k).shape)
        let backWeights = measure(repeats: 5, minTime: 0.5) { op(x, k).backward(gradient: g); k.grad = nil } - forward
        x.requiresGradient = true
        let both = measure(repeats: 5, minTime: 0.5) { op(x, k).backward(gradient: g); k.grad = nil; x.grad = nil } - forward
        for (phase, t) in [("forward", forward), ("backward-data", both - backWeights), ("backward-weights", backWeights)] {
            row("\(name) \(phase)", String(format: "%.1f GFLOP/s", flops / t / 1e9), String(format: "%.2f ms", t * 1e3), "")
        }
    }
    for (name, input, kernel) in [("conv1 28×28×1→32", [128, 28, 28, 1], [3, 3, 1, 32]), ("conv2 13×13×32→64", [128, 13, 13, 32], [3, 3, 32, 64])] {
        let x = Tensor.randomUniform(input, using: &rng)
        let k = Tensor.randomUniform(kernel, lowerBound: -0.1, upperBound: 0.1, using: &rng)
        let flops = 2.0 * Double(x.conv2d(k).count) * Double(kernel[0] * kernel[1] * kernel[2])
        rates(name, flops: flops, x, k) { $0.conv2d($1) }
    }
    // conv2 as training runs it: fused with its 2×2 pooling, through Winograd's F(2×2, 3×3) on the 10 × 10
    // outputs the pooling reads. GFLOP/s counted as a direct convolution of those outputs would need.
    let x = Tensor.randomUniform([128, 13, 13, 32], using: &rng)
    let k = Tensor.randomUniform([3, 3, 32, 64], lowerBound: -0.1, upperBound: 0.1, using: &rng)
    rates("conv2+pool Winograd (direct-equivalent)", flops: 2.0 * 128 * 10 * 10 * 64 * 288, x, k) {
        $0.conv2d($1, activation: .relu, maxPooling: MaxPooling(poolSize: (2, 2)))
    }
}

// Max pooling 2×2 at the cnn preset's two shapes (batch 128): forward and backward, median of 5.
if sections.contains("pool") {
    var rng = RandomGenerator(seed: 4)
    for (name, input) in [("maxpool 26×26×32", [128, 26, 26, 32]), ("maxpool 11×11×64", [128, 11, 11, 64])] {
        var x = Tensor.randomUniform(input, using: &rng)
        let forward = measure(repeats: 5, minTime: 0.5) { _ = x.maxPool2d() }
        x.requiresGradient = true
        let g = Tensor.ones(x.maxPool2d().shape)
        let backward = measure(repeats: 5, minTime: 0.5) { x.maxPool2d().backward(gradient: g); x.grad = nil } - forward
        row("\(name) forward / backward", String(format: "%.2f / %.2f ms", forward * 1e3, backward * 1e3), "", "")
    }
}

// The preset's convolution + relu + 2×2 max pooling pairs (batch 128) as training runs them, one fused op
// (`Sequential` fuses them), against the same layers as separate ops: forward, and forward + backward (gradients of
// kernel and bias, and of the input for conv2, whose input needs one in training). Medians of 5.
if sections.contains("fused") {
    var rng = RandomGenerator(seed: 5)
    for (name, input, kernelShape) in [("conv1+pool 28×28×1→32", [128, 28, 28, 1], [3, 3, 1, 32]),
                                       ("conv2+pool 13×13×32→64", [128, 13, 13, 32], [3, 3, 32, 64])] {
        var x = Tensor.randomUniform(input, using: &rng)
        var k = Tensor.randomUniform(kernelShape, lowerBound: -0.1, upperBound: 0.1, using: &rng)
        var b = Tensor.zeros([kernelShape[3]])
        func run(_ fused: Bool) -> Tensor {
            fused ? x.conv2d(k, bias: b, activation: .relu, maxPooling: MaxPooling(poolSize: (2, 2)))
                  : x.conv2d(k, bias: b, activation: .relu).maxPool2d()
        }
        var times: [Double] = []
        for fused in [true, false] { times.append(measure(repeats: 5, minTime: 0.5) { _ = run(fused) }) }
        k.requiresGradient = true
        b.requiresGradient = true
        x.requiresGradient = input[3] > 1
        let g = Tensor.ones(run(true).shape)
        for fused in [true, false] {
            times.append(measure(repeats: 5, minTime: 0.5) { run(fused).backward(gradient: g); k.grad = nil; b.grad = nil; x.grad = nil })
        }
        row("\(name) forward fused / separate", String(format: "%.2f / %.2f ms", times[0] * 1e3, times[1] * 1e3), "", "")
        row("\(name) fwd+bwd fused / separate", String(format: "%.2f / %.2f ms", times[2] * 1e3, times[3] * 1e3), "", "")
    }
}

// The cnn preset on Fashion-MNIST, the peers' workload: Adam 1e-3, batch 128; epoch 1 warm-up, epoch 2 timed,
// accuracy after 2 epochs (all 60,000 training images, no validation split, as the peers).
// Drawing a shuffled batch of 128 Fashion-MNIST images (bytes scaled to Floats): median of 7 over 200 batches each.
if sections.contains("gather"), let data = try? IDXDataset.fashionMNISTImages() {
    var rng = RandomGenerator(seed: 2)
    var order = Array(0..<data.train.count)
    order.shuffle(using: &rng)
    var b = 0
    let t = measure(repeats: 7, minTime: 0.1) {
        _ = data.train.batch(Array(order[(b * 128)..<(b * 128 + 128)]))
        b = (b + 1) % (data.train.count / 128)
    }
    row("batch gather 128 images µs", String(format: "%.0f", t * 1e6), "", "")
}

// `cnn-normalized`: the same with each batch standardized by the training images' mean and variance, as
// `neuralkit train --model cnn` does (not the peers' workload: they take pixels / 255).
// NEURALKIT_DRAWS (a directory tools/peer-draws.py wrote) makes either start from the draws TensorFlow's script makes
// for a seed (its initial weights and both epochs' batch orders) instead of NeuralKit's own.
for section in ["cnn", "cnn-normalized"] where sections.contains(section) {
    do {
        let data = try IDXDataset.fashionMNISTImages()
        RandomSeeds.reset(to: workloadSeed)
        let model = cnnPreset(normalized: section == "cnn-normalized")
        let batches = (data.train.count + 1023) / 1024
        model.adaptNormalizations(toBatches: (0..<batches).lazy.map { b in
            data.train.batch(Array(b * 1024..<Swift.min((b + 1) * 1024, data.train.count))).x
        })
        let trainer = Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam(learningRate: 1e-3)),
                              metrics: [.accuracy], seed: workloadSeed)
        let history: History
        if let directory = ProcessInfo.processInfo.environment["NEURALKIT_DRAWS"], !directory.isEmpty {
            let replay = try PeerDraws(directory: directory, model: model, data: data.train)
            history = try trainer.fit(replay, batchSize: 128, epochs: replay.epochs, shuffle: false, callbacks: [replay])
        } else {
            history = try trainer.fit(data.train, batchSize: 128, epochs: 2)
        }
        let accuracy = try trainer.evaluate(data.test)["accuracy"] ?? .nan
        row("\(section) s/epoch (epoch 2)", String(format: "%.2f", history["seconds"][1]), "",
            "epochs " + history["seconds"].map { String(format: "%.2f", $0) }.joined(separator: " "))
        row("\(section) test accuracy after 2 epochs", String(format: "%.4f", accuracy), "", "")
        row("\(section) peak RSS MiB", String(format: "%.0f", peakRSSMiB()), "", "")
        record(section, .object([("seconds_per_epoch", .number(history["seconds"][1])), ("test_accuracy", .number(accuracy)),
                               ("peak_rss_mib", .number(peakRSSMiB().rounded()))]))
    } catch {
        print("\(section): \(error)")
    }
}

/// The peers' charlstm data: the Shakespeare windows (first 90% train, last 10% validation, 100 + 1 characters), with
/// each character's id its rank in the sorted vocabulary (76), as ../shared/bench/peers/common.py numbers them.
func charlstmData() throws -> (train: Dataset, validation: Dataset, vocabulary: Int) {
    let (train, validation) = try BuiltinDatasets.trainTest("shakespeare")
    let tokens = train.textVectorizer!.vocabulary
    let sorted = tokens.dropFirst(2).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    let rank = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, Int32($0)) })
    let table = tokens.map { rank[$0] ?? -1 }
    func renumbered(_ d: Dataset) -> Dataset {
        func ids(_ t: Tensor) -> Tensor { Tensor(shape: t.shape, integers: t.integers.map { table[Int($0)] }) }
        return Dataset(name: d.name, features: ids(d.features), targets: ids(d.targets), classNames: sorted)
    }
    return (renumbered(train), renumbered(validation), sorted.count)
}

/// Embedding(76 → 64) → LSTM 256 at every step → Dense(256 → 76) at every step.
func charlstmModel(vocabulary: Int) -> Sequential {
    Sequential([Embedding(vocabularySize: vocabulary, dimension: 64), LSTM(inputSize: 64, units: 256, returnSequences: true),
                Dense(inputSize: 256, outputSize: vocabulary)])
}

// The peers' charlstm workload: batch 64, Adam 2e-3, softmax cross-entropy at every position; 2 epochs over all 9,235
// training windows (no validation split), epoch 2 timed in full; the validation loss in nats per character after them.
if sections.contains("charlstm") {
    do {
        let (train, validation, vocabulary) = try charlstmData()
        RandomSeeds.reset(to: workloadSeed)
        let model = charlstmModel(vocabulary: vocabulary)
        let trainer = Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam(learningRate: 2e-3)),
                              seed: workloadSeed)
        let initial = try trainer.evaluate(validation, batchSize: 64)["loss"] ?? .nan
        let history = try trainer.fit(train, batchSize: 64, epochs: 2)
        let loss = try trainer.evaluate(validation, batchSize: 64)["loss"] ?? .nan
        let seconds = history["seconds"][1], steps = Double((train.count + 63) / 64)
        row("charlstm s/epoch (epoch 2)", String(format: "%.2f", seconds), "",
            String(format: "%.0f ms/step; epochs ", seconds / steps * 1000) + history["seconds"].map { String(format: "%.2f", $0) }.joined(separator: " "))
        row("charlstm validation loss after 2 epochs", String(format: "%.4f", loss), "", String(format: "before training %.4f", initial))
        row("charlstm peak RSS MiB", String(format: "%.0f", peakRSSMiB()), "", "")
        record("charlstm", .object([("seconds_per_epoch", .number(seconds)), ("ms_per_step", .number(seconds / steps * 1000)),
                                    ("val_loss", .number(loss)), ("val_loss_init", .number(initial)),
                                    ("peak_rss_mib", .number(peakRSSMiB().rounded()))]))
    } catch {
        print("charlstm: \(error)")
    }
}

// Where a charlstm training step's time goes (batch 64 of the first training windows): medians over 20 steps after 3.
if sections.contains("charlstm-phases"), let (train, _, vocabulary) = try? charlstmData() {
    RandomSeeds.reset(to: 1)
    let batch = train.subset(Array(0..<64))
    for (phase, t) in stepPhases(charlstmModel(vocabulary: vocabulary), batch: (batch.features, batch.targets), warmUp: 3, steps: 20) {
        row("charlstm step \(phase) ms", String(format: "%.2f", t * 1e3), "", "")
    }
}

// The Playground scale, the peers' workload: 500 "circle" points, 2-8-8-1 tanh MLP with a linear output, binary
// cross-entropy on the logit, plain SGD 0.03, batch 10; 100 warm-up steps, then 5 blocks of 2,000 steps (with
// per-epoch shuffling and batch gathering); the figure is the median steps per second.
if sections.contains("tiny") {
    var rng = RandomGenerator(seed: 0)
    var xs: [Double] = [], ys: [Double] = []
    for i in 0..<500 {
        let inside = i < 250
        let r = inside ? 2 * rng.nextUniform() : 3 + 2 * rng.nextUniform()
        let a = 2 * Double.pi * rng.nextUniform()
        xs += [r * sin(a) + 0.1 * rng.nextNormal(), r * cos(a) + 0.1 * rng.nextNormal()]
        ys.append(inside ? 1 : 0)
    }
    let x = Tensor(shape: [500, 2], values: xs), y = Tensor(shape: [500, 1], values: ys)
    RandomSeeds.reset(to: workloadSeed &- 1)
    let model = Sequential([Dense(inputSize: 2, outputSize: 8, activation: .tanh), Dense(inputSize: 8, outputSize: 8, activation: .tanh),
                            Dense(inputSize: 8, outputSize: 1)])
    let trainer = Trainer(model: model, loss: .binaryCrossEntropyWithLogits(), optimizer: Optimizer(SGD(learningRate: 0.03)))
    let parameters = model.namedParameters
    var order: [Int] = [], position = 500
    func run(_ steps: Int) {
        for _ in 0..<steps {
            if position >= 500 {
                order = Array(0..<500)
                order.shuffle(using: &rng)
                position = 0
            }
            let idx = Array(order[position..<Swift.min(position + 10, 500)])
            position += 10
            let logits = model(x.gathering(rows: idx))
            let loss = trainer.loss(predictions: logits, targets: y.gathering(rows: idx))
            loss.backward()
            trainer.optimizer.update(parameters)
        }
    }
    run(100)
    var rates: [Double] = []
    for _ in 0..<5 {
        let t0 = now()
        run(2000)
        rates.append(2000 / (now() - t0))
    }
    let accuracy = withoutGradient { zip(model.predict(x).values, ys).filter { ($0 > 0) == ($1 > 0.5) }.count }
    row("tiny steps/s (median of 5×2000)", String(format: "%.0f", rates.sorted()[2]), "peers: numpy 40.0k, JAX 35.7k",
        "accuracy \(Double(accuracy) / 500)")
    row("tiny peak RSS MiB", String(format: "%.0f", peakRSSMiB()), "", "")
    record("tiny", .object([("steps_per_second", .number(rates.sorted()[2].rounded())), ("peak_rss_mib", .number(peakRSSMiB().rounded()))]))
}
