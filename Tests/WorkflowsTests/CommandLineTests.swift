import Foundation
import Testing
import NeuralKit
import _TestSupport

@Suite(.serialized) struct CommandLineTests {
    static let spec = """
    {"input": [64], "layers": [{"type": "dense", "units": 32, "activation": "relu"}, {"type": "dropout", "rate": 0.1},
     {"type": "dense", "units": 10}], "loss": "softmaxCrossEntropy", "optimizer": {"type": "adam", "learningRate": 0.005},
     "metrics": ["accuracy"]}
    """

    @Test func trainEvaluatePredictAndSummaryFromASpecFile() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let spec = try tmp.write(Self.spec, to: "spec.json")
        let out = tmp.file("run")
        let train = try CommandLineTool.run(["train", "--dataset", "digits", "--model-file", spec, "--epochs", "15",
                                             "--batch-size", "32", "--output", out, "--json"])
        #expect(train.status == 0, "\(train.stderr)")
        let last = try #require(train.stdout.split(separator: "\n").last)
        let summary = try JSONParser.parse(Array(last.utf8))
        #expect(summary["dataset"] == .string("digits") && summary["epochs"] == .number(15))
        guard case .number(let accuracy)? = summary["test_accuracy"] else { Issue.record("no test_accuracy"); return }
        #expect(accuracy > 0.9)
        #expect(summary["output_dir"] == .string(out))
        #expect(train.stdout.contains("Confusion matrix"))
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        #expect(files.isSuperset(of: ["model.json", "final.safetensors", "best.safetensors", "history.csv", "curves.svg",
                                      "latest.ckpt.safetensors", "previous.ckpt.safetensors"]))
        let svg = try String(contentsOfFile: out + "/curves.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("polyline") && svg.contains("validation") && svg.contains("epoch"))
        #expect(try String(contentsOfFile: out + "/history.csv", encoding: .utf8).split(separator: "\n").count == 16)

        let evaluate = try CommandLineTool.run(["evaluate", "--model-dir", out, "--dataset", "digits"])
        let (_, test0, _) = try TrainingRun.loadData({ var c = RunConfiguration(); c.data = .builtin("digits"); return c }(), standardize: false)
        #expect(evaluate.status == 0)
        // The printed accuracy is the library's, for the saved model on the digits' test split.
        let saved = try TrainedModel(directory: out)
        let library = try saved.trainer(accuracy: true).evaluate(x: saved.scaler?.apply(test0.features) ?? test0.features, y: test0.targets)
        #expect(evaluate.stdout.contains("accuracy: \(ProgressBar.fourDigits(library["accuracy"]!))\n"), "\(evaluate.stdout) vs \(library)")
        #expect(library["accuracy"]! > 0.9)
        // Test-time augmentation: the original plus a mirror and four one-pixel shifts of the 8×8 digits.
        let tta = try CommandLineTool.run(["evaluate", "--model-dir", out, "--dataset", "digits", "--tta", "flip,translate=1"])
        #expect(tta.status == 0, "\(tta.stderr)")
        let views = try TrainingRun.testTimeViews([.flip, .translations(pixels: 1)], for: test0)
        let libraryTTA = saved.evaluate(x: test0.features, labels: test0.targets, testTimeAugmentation: views)
        #expect(views.count == 6 && tta.stdout.contains("tta_accuracy (6 views): \(ProgressBar.fourDigits(libraryTTA["accuracy"]!))\n"),
                "\(tta.stdout) vs \(libraryTTA)")
        // Data the model does not fit: an error naming both shapes, not a stop in the tensor math.
        let misfit = try CommandLineTool.run(["evaluate", "--model-dir", out, "--dataset", "iris"])
        #expect(misfit.status != 0 && misfit.stderr.contains("input [64] does not match the data's example shape [4]"), "\(misfit.stderr)")
        let badView = try CommandLineTool.run(["evaluate", "--model-dir", out, "--dataset", "digits", "--tta", "spin"])
        #expect(badView.status != 0 && badView.stderr.contains("--tta: unknown view 'spin' (flip, translate=PIXELS)"), "\(badView.stderr)")
        // With the identity as the only view, the averaged probabilities give the plain evaluation's accuracy.
        let trained = try TrainedModel(directory: out)
        let plain = try trained.trainer().evaluate(x: trained.scaler?.apply(test0.features) ?? test0.features, y: test0.targets)
        let identity = trained.evaluate(x: test0.features, labels: test0.targets, testTimeAugmentation: [{ $0 }])
        #expect(identity["accuracy"] == plain["accuracy"])
        #expect(Swift.abs(identity["loss"]! - plain["loss"]!) < 1e-4)

        // Predict the first test rows as a CSV.
        let (_, test) = try BuiltinDatasets.trainTest("digits")
        let rawRows = (0..<5).map { i in (0..<64).map { "\(test.features[i, $0])" }.joined(separator: ",") }
        let input = try tmp.write(rawRows.joined(separator: "\n") + "\n", to: "input.csv")
        let predict = try CommandLineTool.run(["predict", "--model-dir", out, "--input", input, "--output", tmp.file("p.csv")])
        #expect(predict.status == 0, "\(predict.stderr)")
        let lines = try String(contentsOfFile: tmp.file("p.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6 && lines[0].hasPrefix("class,p0,"))
        let predicted = lines.dropFirst().map { Double($0.split(separator: ",")[0])! }
        let correct = zip(predicted, test.targets.values.prefix(5)).filter { $0 == $1 }.count
        #expect(correct >= 4)
        // A value the model would see as infinite (beyond Float32) is refused, naming the row; no output is written.
        let beyond = try tmp.write(rawRows[0] + "\n" + rawRows[1].replacingOccurrences(of: "0.0,", with: "1e39,") + "\n", to: "beyond.csv")
        let refused = try CommandLineTool.run(["predict", "--model-dir", out, "--input", beyond, "--output", tmp.file("q.csv")])
        #expect(refused.status != 0 && refused.stderr.contains("beyond.csv, row 2: expected a finite number within Float32's range"),
                "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("q.csv")))

        let summaryTable = try CommandLineTool.run(["summary", "--model-file", spec])
        #expect(summaryTable.status == 0 && summaryTable.stdout.contains("Total params: 2410"))
    }

    /// Test-time views need images: the built-in image sets and rank-3 features have an image shape, table rows
    /// (even four columns, a perfect square) do not.
    @Test func testTimeViewsNeedImages() throws {
        #expect(try TrainingRun.testTimeViews([.flip], for: BuiltinDatasets.load("digits")).count == 2)
        let images = Dataset(name: "x", features: Tensor.zeros([2, 3, 3, 1]), targets: Tensor([0, 1]), classNames: ["a", "b"])
        #expect(try TrainingRun.testTimeViews([.translations(pixels: 1)], for: images).count == 5)
        #expect(throws: DataError.self) { try TrainingRun.testTimeViews([.flip], for: BuiltinDatasets.load("iris")) }
        do { _ = try TrainingRun.testTimeViews([.flip], for: BuiltinDatasets.load("iris")) } catch {
            #expect("\(error)".contains("--tta: needs image examples; iris's are table rows of shape [4]"), "\(error)")
        }
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let name: String
        let arguments: [String]
        let message: String
        var testDescription: String { name }
    }

    static let badInputs: [Bad] = [
        Bad(name: "missing file", arguments: ["--data", "/nonexistent/data.csv"], message: "cannot open"),
        Bad(name: "unknown dataset", arguments: ["--dataset", "mnist-3d"], message: "unknown dataset"),
        Bad(name: "unknown preset", arguments: ["--dataset", "iris", "--model", "resnet"], message: "unknown preset 'resnet'"),
        Bad(name: "malformed spec", arguments: ["--dataset", "iris", "--model-file", "SPEC"], message: "$.layers[0].units"),
        Bad(name: "spec input mismatch", arguments: ["--dataset", "digits", "--model-file", "SPEC4"], message: "does not match"),
        Bad(name: "spec output too small for the classes", arguments: ["--dataset", "iris", "--model-file", "SPEC2"],
            message: "the model's output [2] cannot score iris's 3 classes with loss sparse_categorical_crossentropy_logits: it needs [3]"),
        Bad(name: "class loss on regression targets", arguments: ["--dataset", "diabetes", "--model-file", "SPECREG"],
            message: "needs class labels; diabetes has regression targets"),
        Bad(name: "spec output does not fit the targets", arguments: ["--dataset", "diabetes", "--model-file", "SPECMSE"],
            message: "the model's output [3, 2] does not fit diabetes's targets [1] with loss mse"),
        Bad(name: "unknown optimizer", arguments: ["--dataset", "iris", "--optimizer", "lion"], message: "unknown optimizer 'lion'"),
        Bad(name: "bad learning rate", arguments: ["--dataset", "iris", "--learning-rate", "-1"], message: "--learning-rate"),
        Bad(name: "non-numeric CSV cell", arguments: ["--data", "BADCSV"], message: "line 3"),
        Bad(name: "bad option value", arguments: ["--dataset", "iris", "--epochs", "many"], message: "epochs"),
        Bad(name: "label out of range", arguments: ["--data", "GOODCSV", "--label", "7"], message: "label column 7 is out of range"),
        // Four table columns are not a 2×2 image.
        Bad(name: "augmentation of table rows", arguments: ["--dataset", "iris", "--augment", "flip"],
            message: "--augment: needs image examples; iris's are table rows of shape [4]"),
        Bad(name: "cnn preset on table rows", arguments: ["--dataset", "iris", "--model", "cnn"],
            message: "--model cnn: needs image examples; iris's are table rows of shape [4]"),
        Bad(name: "cnn preset on images too small", arguments: ["--dataset", "digits", "--model", "cnn"],
            message: "--model cnn: needs images of at least 10×10 for its two 3×3 convolutions and 2×2 poolings; digits's are 8×8 (cnn-strong pads its convolutions and fits them)"),
        // Files without examples, or with examples of no values, stop at loading, not in the model's layers.
        Bad(name: "IDX without images", arguments: ["--data", "EMPTYIDX", "--label-file", "EMPTYLABELS"],
            message: "needs at least 5 examples, found 0"),
        Bad(name: "IDX images of no pixels", arguments: ["--data", "FLATIDX", "--label-file", "FIVELABELS"],
            message: "examples have no values: shape [5, 0, 2]"),
        Bad(name: "NPY without rows", arguments: ["--data", "EMPTYNPY", "--label-file", "EMPTYNPYLABELS"],
            message: "needs at least 5 examples, found 0"),
        // Values the model would see as NaN or infinite (Float32) stop at loading, naming the example.
        Bad(name: "NPY features with NaN", arguments: ["--data", "NANNPY", "--label-file", "LABELS8"],
            message: "nan.npy, example 2, value 1: expected a finite number within Float32's range (±3.4e38), found nan"),
        Bad(name: "NPY labels beyond Float32", arguments: ["--data", "X8NPY", "--label-file", "HUGELABELS"],
            message: "hugelabels.npy, example 3, value 0: expected a finite number within Float32's range (±3.4e38), found inf"),
        Bad(name: "too few examples for the validation split", arguments: ["--data", "GOODCSV"],
            message: "4 examples leave no validation examples at a hold-out of 0.1 (--validation-split; give more examples, or --validation-split 0)"),
        // A model or batch larger than the machine's memory stops before allocating. The padded convolution outputs
        // 5·10⁸ values an example (2 GB, which fits), so a batch of the 1,438 training digits needs over 5 TiB.
        Bad(name: "token-id model on float features", arguments: ["--dataset", "iris", "--model-file", "SPECIDS"],
            message: "the model reads int32 token ids (an embedding layer on its input); iris holds float features"),
        // Text and series files.
        Bad(name: "text that is not UTF-8", arguments: ["--text", "BINTEXT"], message: "bin.txt: is not UTF-8 text"),
        Bad(name: "text too short for a window", arguments: ["--text", "SHORTTEXT"],
            message: "short.txt: has 60 tokens, too few for one window of 100 + 1 in both the training part (the first 90%) and the test part"),
        Bad(name: "series with a value that is not positive", arguments: ["--series", "NEGSERIES"],
            message: "neg.csv, value 3: a series to forecast must be positive and finite, found -4.0"),
        Bad(name: "series too short", arguments: ["--series", "SHORTSERIES"],
            message: "short.csv: has 6 values; a window of 12 and 12 test values need at least 26"),
        Bad(name: "series cell not a number", arguments: ["--series", "BADCSV", "--label", "b"], message: "bad.csv, line 3: column 2: expected a number, found 'oops'"),
        Bad(name: "token ids beyond the embedding", arguments: ["--text", "VERSE", "--model-file", "SMALLEMBEDDING"],
            message: "small.json: the embedding has 3 rows, but "),
        Bad(name: "two data sources", arguments: ["--dataset", "iris", "--text", "BINTEXT"], message: "use one of --dataset, --text, not several"),
        Bad(name: "charlstm on table rows", arguments: ["--dataset", "iris", "--model", "charlstm"],
            message: "--model charlstm: needs token ids [time] with next-token targets (--text or --dataset shakespeare); iris's examples have shape [4]"),
        Bad(name: "forecaster on table rows", arguments: ["--dataset", "iris", "--model", "lstm-forecaster"],
            message: "--model lstm-forecaster: needs windows [time, features] (--series or --dataset airline); iris's examples have shape [4]"),
        Bad(name: "model larger than memory", arguments: ["--dataset", "iris", "--model-file", "SPECHUGE"],
            message: "$.layers[0]: dense on input [4]: the model needs 4999999999999995 parameters"),
        Bad(name: "batch larger than memory", arguments: ["--dataset", "digits", "--model-file", "SPECWIDE", "--batch-size", "2000"],
            message: "--batch-size 2000: a batch of 1438 examples needs"),
    ]

    @Test(arguments: badInputs)
    func badInputExitsNonZeroWithItsMessageAndLeavesNoFiles(_ bad: Bad) throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let spec = try tmp.write(#"{"input": [4], "layers": [{"type": "dense", "units": "x"}], "loss": "meanSquaredError"}"#, to: "spec.json")
        let spec4 = try tmp.write(#"{"input": [4], "layers": [{"type": "dense", "units": 3}], "loss": "softmaxCrossEntropy"}"#, to: "spec4.json")
        let badCSV = try tmp.write("a,b,label\n1,2,0\n3,oops,1\n", to: "bad.csv")
        let goodCSV = try tmp.write("a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,10,0\n11,12,1\n", to: "good.csv")
        let spec2 = try tmp.write(#"{"input": [4], "layers": [{"type": "dense", "units": 2}], "loss": "softmaxCrossEntropy"}"#, to: "spec2.json")
        let specReg = try tmp.write(#"{"input": [10], "layers": [{"type": "dense", "units": 1}], "loss": "softmaxCrossEntropy"}"#,
                                    to: "specreg.json")
        let specMSE = try tmp.write(#"{"input": [10], "layers": [{"type": "dense", "units": 6}, {"type": "reshape", "shape": [3, 2]}], "#
                                    + #""loss": "meanSquaredError"}"#, to: "specmse.json")
        let specIds = try tmp.write(#"{"input": [4], "layers": [{"type": "embedding", "vocabularySize": 8, "dimension": 2}, "#
            + #"{"type": "globalAveragePool1d"}, {"type": "dense", "units": 3}], "loss": "softmaxCrossEntropy"}"#, to: "ids.json")
        let specHuge = try tmp.write(#"{"input": [4], "layers": [{"type": "dense", "units": 999999999999999}], "#
                                     + #""loss": "meanSquaredError"}"#, to: "spechuge.json")
        let specWide = try tmp.write(#"{"input": [64], "layers": [{"type": "reshape", "shape": [8, 8, 1]}, "#
                                     + #"{"type": "conv2d", "filters": 5, "kernelSize": 1, "padding": [4996, 4996, 4996, 4996]}, "#
                                     + #"{"type": "globalAveragePool2d"}, {"type": "dense", "units": 10}], "loss": "softmaxCrossEntropy"}"#,
                                     to: "specwide.json")
        func idxFile(_ name: String, _ dims: [UInt32], _ payload: [UInt8]) throws -> String {
            try AtomicFile.write(idxBytes(dims: dims, payload: payload), to: tmp.file(name))
            return tmp.file(name)
        }
        let emptyIDX = try idxFile("empty.idx", [0, 2, 2], []), emptyLabels = try idxFile("emptylabels.idx", [0], [])
        let flatIDX = try idxFile("flat.idx", [5, 0, 2], []), fiveLabels = try idxFile("fivelabels.idx", [5], [0, 1, 0, 1, 0])
        let emptyNPY = tmp.file("empty.npy"), emptyNPYLabels = tmp.file("emptylabels.npy")
        try AtomicFile.write(NPYArray(Tensor.zeros([0, 3])).serialized(), to: emptyNPY)
        try AtomicFile.write(NPYArray(Tensor.zeros([0])).serialized(), to: emptyNPYLabels)
        let nanNPY = tmp.file("nan.npy"), x8NPY = tmp.file("x8.npy"), labels8 = tmp.file("labels8.npy"), hugeLabels = tmp.file("hugelabels.npy")
        try AtomicFile.write(NPYArray(Tensor(shape: [8, 2], values: (0..<16).map { $0 == 5 ? .nan : Double($0) })).serialized(), to: nanNPY)
        try AtomicFile.write(NPYArray(Tensor(shape: [8, 2], values: (0..<16).map(Double.init))).serialized(), to: x8NPY)
        try AtomicFile.write(NPYArray(Tensor((0..<8).map { Double($0 % 2) })).serialized(), to: labels8)
        try AtomicFile.write(NPYArray(Tensor((0..<8).map { $0 == 3 ? 1e300 : 0.5 }, dtype: .float64)).serialized(), to: hugeLabels)
        let binText = tmp.file("bin.txt"), shortText = try tmp.write(String(repeating: "abc", count: 20), to: "short.txt")
        try AtomicFile.write([0x61, 0xff, 0xfe, 0x62], to: binText)
        let negSeries = try tmp.write("month,value\n1,3\n2,5\n3,-4\n", to: "neg.csv")
        let shortSeries = try tmp.write("1,3\n2,5\n3,4\n4,4\n5,4\n6,9\n", to: "short.csv")
        let verse = try tmp.write(String(repeating: "to be or not to be. ", count: 80), to: "verse.txt")
        let smallEmbedding = try tmp.write(#"{"input": [100], "layers": [{"type": "embedding", "vocabularySize": 3, "dimension": 2}, "#
            + #"{"type": "lstm", "units": 2, "returnSequences": true}, {"type": "dense", "units": 9}], "loss": "softmaxCrossEntropy"}"#,
            to: "small.json")
        let files = ["VERSE": verse, "SMALLEMBEDDING": smallEmbedding, "SHORTSERIES": shortSeries, "BINTEXT": binText, "SHORTTEXT": shortText, "NEGSERIES": negSeries, "NANNPY": nanNPY, "X8NPY": x8NPY, "LABELS8": labels8, "HUGELABELS": hugeLabels, "SPECHUGE": specHuge, "SPECIDS": specIds, "SPECWIDE": specWide, "SPEC": spec, "SPEC4": spec4, "SPEC2": spec2, "SPECREG": specReg, "SPECMSE": specMSE, "BADCSV": badCSV,
                     "GOODCSV": goodCSV, "EMPTYIDX": emptyIDX, "EMPTYLABELS": emptyLabels, "FLATIDX": flatIDX,
                     "FIVELABELS": fiveLabels, "EMPTYNPY": emptyNPY, "EMPTYNPYLABELS": emptyNPYLabels]
        let args = bad.arguments.map { files[$0] ?? $0 }
        let out = tmp.file("out")
        let epochs = args.contains("--epochs") ? [] : ["--epochs", "1"]
        let r = try CommandLineTool.run(["train"] + args + epochs + ["--output", out])
        #expect(r.status != 0)
        #expect(r.stderr.contains(bad.message), "stderr: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "partial output left behind")
    }

    @Test func trainsOnNPYAndIDXFiles() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.randomNormal([60, 3], using: &rng)
        let y = Tensor(x.values.enumerated().filter { $0.offset % 3 == 0 }.map { $0.element > 0 ? 1.0 : 0.0 })
        try AtomicFile.write(NPYArray(x).serialized(), to: tmp.file("x.npy"))
        try AtomicFile.write(NPYArray(y.reshaped(to: [60])).serialized(), to: tmp.file("y.npy"))
        let npy = try CommandLineTool.run(["train", "--data", tmp.file("x.npy"), "--label-file", tmp.file("y.npy"),
                                           "--epochs", "30", "--batch-size", "8", "--output", tmp.file("npy"), "--json"])
        #expect(npy.status == 0, "\(npy.stderr)")
        #expect(npy.stdout.contains("\"test_accuracy\""))
        // 40 IDX "images" of 2×2 pixels; label 1 when the first pixel is bright.
        let pixels: [UInt8] = (0..<160).map { UInt8(($0 * 37 + 11) % 256) }
        let labels: [UInt8] = (0..<40).map { pixels[$0 * 4] > 127 ? 1 : 0 }
        func idx(_ dims: [UInt32], _ payload: [UInt8]) -> [UInt8] { idxBytes(dims: dims, payload: payload) }
        try AtomicFile.write(idx([40, 2, 2], pixels), to: tmp.file("images.idx"))
        try AtomicFile.write(idx([40], labels), to: tmp.file("labels.idx"))
        let r = try CommandLineTool.run(["train", "--data", tmp.file("images.idx"), "--label-file", tmp.file("labels.idx"),
                                         "--epochs", "3", "--batch-size", "8", "--output", tmp.file("idx"), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let mismatched = try CommandLineTool.run(["train", "--data", tmp.file("images.idx"), "--label-file", tmp.file("y.npy"),
                                                  "--output", tmp.file("bad")])
        #expect(mismatched.status != 0 && mismatched.stderr.contains("not an IDX file"))
        try AtomicFile.write(NPYArray(Tensor.zeros([10, 2])).serialized(), to: tmp.file("x10.npy"))
        // Integer labels (int8 .npy) with a −1: refused, not a trap (float labels with negatives are regression).
        let intLabels: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0] + {
            var h = "{'descr': '|i1', 'fortran_order': False, 'shape': (10,), }"
            h += String(repeating: " ", count: (64 - (10 + h.utf8.count + 1) % 64) % 64) + "\n"
            return [UInt8(h.utf8.count & 0xFF), UInt8(h.utf8.count >> 8)] + Array(h.utf8)
        }() + [0, 1, 0xFF, 1, 0, 1, 0, 1, 0, 1]
        try AtomicFile.write(intLabels, to: tmp.file("yint.npy"))
        let neg = try CommandLineTool.run(["train", "--data", tmp.file("x10.npy"), "--label-file", tmp.file("yint.npy"),
                                           "--output", tmp.file("neg")])
        #expect(neg.status != 0 && neg.stderr.contains("class label -1 is negative"), "\(neg.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("neg")))
    }

    @Test func datasetsListsEveryName() throws {
        let r = try CommandLineTool.run(["datasets"])
        #expect(r.status == 0)
        for name in BuiltinDatasets.names { #expect(r.stdout.contains(name)) }
    }
}

/// Commands and options no other test runs through the executable.
@Suite struct CommandLinePathsTests {
    /// `neuralkit examples` prints the lectures' numbers, computed: σ(−6), the relu network's loss 4 and gradients
    /// (12, −60, 4, −4), ∇(3x₁² + x₂²) at (1, 1), and the step-by-step trace.
    @Test func examplesPrintsTheLecturesNumbers() throws {
        let run = try CommandLineTool.run(["examples"])
        #expect(run.status == 0)
        let sigma = 1 / (1 + Glibc.exp(6.0))
        #expect(run.stdout.hasPrefix("NeuralKit \(neuralKitVersion), "))
        let printed = run.stdout.split(separator: "\n").first { $0.hasPrefix("perceptron:") }?.split(separator: " ").last.flatMap { Double($0) }
        #expect(Swift.abs(try #require(printed) - sigma) < 1e-17, "\(run.stdout)")
        #expect(run.stdout.contains("relu network: loss = 4.0, ∂ℓ/∂w1 = 12.0, ∂ℓ/∂w2 = -60.0, ∂ℓ/∂b1 = 4.0, ∂ℓ/∂b2 = -4.0\n"))
        #expect(run.stdout.contains("∇f(1, 1) = [6.0, 2.0]\n"))
        for example in SeedExamples.all { #expect(run.stdout.contains(example())) }
    }

    /// The worker count follows the processors the process may use: one under `taskset -c 0`; NEURALKIT_THREADS
    /// overrides it.
    @Test func workerCountFollowsTheMachine() throws {
        let pinned = try CommandLineTool.runProcess("/usr/bin/taskset", ["-c", "0", CommandLineTool.executable, "examples"])
        #expect(pinned.status == 0 && pinned.stdout.hasPrefix("NeuralKit \(neuralKitVersion), 1 worker\n"), "\(pinned.stdout.prefix(80))")
        let set = try CommandLineTool.runProcess("/usr/bin/env", ["NEURALKIT_THREADS=3", CommandLineTool.executable, "examples"])
        #expect(set.stdout.hasPrefix("NeuralKit \(neuralKitVersion), 3 workers\n"), "\(set.stdout.prefix(80))")
        // The same numbers with one worker as with the machine's.
        let free = try CommandLineTool.run(["examples"])
        #expect(free.stdout.split(separator: "\n").dropFirst() == pinned.stdout.split(separator: "\n").dropFirst())
        #expect(Processors.workerCount(setting: "2", available: 8) == 2 && Processors.workerCount(setting: "0", available: 8) == 8)
        #expect(Processors.workerCount(setting: "many", available: 3) == 3 && Processors.workerCount(setting: nil, available: 1) == 1)
        #expect(Processors.available() >= 1)
    }

    /// `--schedule cosine` anneals the rate over the run's steps: the logged rates fall from the base to near 0.
    @Test func scheduleOptionAnneals() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let run = try CommandLineTool.run(["train", "--dataset", "iris", "--epochs", "5", "--learning-rate", "0.01", "--schedule", "cosine",
                                           "--output", tmp.file("run")])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try String(contentsOfFile: tmp.file("run/history.csv"), encoding: .utf8).split(separator: "\n")
        let header = rows[0].split(separator: ","), column = try #require(header.firstIndex(of: "lr"))
        let rates = rows.dropFirst().map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[column])! }
        #expect(rates.count == 5 && rates[0] == 0.01 && zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 } && rates[4] < 0.002, "\(rates)")
        let spec = try String(contentsOfFile: tmp.file("run/model.json"), encoding: .utf8)
        #expect(spec.contains(#""schedule":{"type":"cosine""#), "\(spec)")
        let bad = try CommandLineTool.run(["train", "--dataset", "iris", "--schedule", "sawtooth", "--output", tmp.file("bad")])
        #expect(bad.status != 0 && bad.stderr.contains("sawtooth"), "\(bad.stderr)")
    }

    /// `playground --host 0.0.0.0 --allowed-host NAME` serves the page to the names it listens on and to NAME,
    /// warns that the network can reach it, and refuses other names.
    @Test func playgroundHostOptions() async throws {
        let port = 20000 + Int(getpid() % 20000)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLineTool.executable)
        p.arguments = ["playground", "--host", "0.0.0.0", "--port", "\(port)", "--allowed-host", "lab.example"]
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        defer {
            p.terminate()
            p.waitUntilExit()
        }
        func status(host: String) -> String {
            for _ in 0..<100 {
                guard let c = try? RawConnection(port: port) else { usleep(50_000); continue }
                c.send("GET / HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n")
                return String(c.receive(seconds: 10).prefix(12))
            }
            return "no server"
        }
        #expect(status(host: "127.0.0.1:\(port)") == "HTTP/1.1 200")
        #expect(status(host: "lab.example:\(port)") == "HTTP/1.1 200")
        #expect(status(host: "evil.example:\(port)") == "HTTP/1.1 421")
        p.terminate()
        p.waitUntilExit()
        let warning = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(warning.contains("binding to 0.0.0.0 makes the Playground reachable from the network"), "\(warning)")
    }
}
