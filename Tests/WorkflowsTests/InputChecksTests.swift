import Foundation
import Testing
import NeuralKit
import _TestSupport

/// Inputs that are wrong are refused with a one-line cause before anything runs; inputs that are right but unusual
/// (a byte-order mark, a negative label index) are taken.
@Suite struct InputChecksTests {
    /// A classifier whose output is wider than the classes would train scores no label asks for.
    @Test(arguments: [(#"{"input":[4],"layers":[],"loss":"softmaxCrossEntropy"}"#, "[4]"),
                      (#"{"input":[4],"layers":[{"type":"dense","units":2}],"loss":"softmaxCrossEntropy"}"#, "[2]")])
    func aClassifierMustHaveOneOutputPerClass(spec: String, output: String) throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        var c = RunConfiguration()
        c.data = .builtin("iris")
        c.model = .specFile(try tmp.write(spec, to: "spec.json"))
        c.epochs = 1
        c.outputDirectory = tmp.file("run")
        let error = #expect(throws: DataError.self) { try TrainingRun.run(c, log: { _ in }) }
        #expect(error?.description.contains("the model's output \(output) cannot score iris's 3 classes") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("it needs [3]") == true)
        #expect(!FileManager.default.fileExists(atPath: tmp.file("run")))
    }

    @Test(arguments: [("", "no rows: the file is empty"), ("f0,f1,f2,f3\n", "no rows of features after the header")])
    func predictRefusesAFileWithoutRows(text: String, message: String) throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let run = try CommandLineTool.run(["train", "--dataset", "iris", "--epochs", "1", "--output", tmp.file("run")])
        #expect(run.status == 0, "\(run.stderr)")
        let input = try tmp.write(text, to: "input.csv")
        let predict = try CommandLineTool.run(["predict", "--model-dir", tmp.file("run"), "--input", input, "--output", tmp.file("p.csv")])
        #expect(predict.status != 0)
        #expect(predict.stderr == "neuralkit: error: \(input): \(message)\n", "\(predict.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("p.csv")))
    }

    @Test func aModelFileMayStartWithAByteOrderMark() throws {
        let text = #"{"input": [4], "layers": [{"type": "dense", "units": 3}], "loss": "softmaxCrossEntropy"}"#
        let plain = try ModelSpec(json: Array(text.utf8))
        let marked = try ModelSpec(json: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
        #expect(marked.json == plain.json && marked.input == [4] && marked.layers == [.dense(3)])
        // Only at the start: a mark inside is still an error, at its offset.
        #expect(throws: ConfigError.self) { try ModelSpec(json: Array(#"{"input": [4],"#.utf8) + [0xEF, 0xBB, 0xBF] + Array(text.utf8.dropFirst())) }
    }

    /// `--label -1` (as README shows it) and `--label=-1` both name a column counted from the end.
    @Test(arguments: [["--label", "-3"], ["--label=-3"]])
    func aNegativeLabelIndexIsAValue(label: [String]) throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        // The class is the first of three columns: -3 names it; the default (last column) would be a real number.
        var rows = ["kind,x,y"]
        var rng = RandomGenerator(seed: 3)
        for i in 0..<60 {
            let k = i % 2
            rows.append("\(k),\(Double(k) * 2 + rng.nextUniform()),\(rng.nextUniform() + 0.5)")
        }
        let csv = try tmp.write(rows.joined(separator: "\n") + "\n", to: "data.csv")
        let run = try CommandLineTool.run(["train", "--data", csv] + label + ["--epochs", "2", "--output", tmp.file("run"), "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try JSONParser.parse(Array((run.stdout.split(separator: "\n").last ?? "").utf8))
        #expect(summary["test_accuracy"] != nil && summary["test_mae"] == nil, "\(run.stdout)")
    }

    /// A device, a FIFO or a directory given as data is refused before anything is read (`/dev/zero` never ends).
    @Test(arguments: ["/dev/zero", "/tmp"])
    func dataThatIsNotAFileIsRefusedAtOnce(path: String) throws {
        let error = #expect(throws: DataError.self) { try Gzip.contents(ofFile: path) }
        #expect(error?.description.hasPrefix("\(path): is a ") == true && error?.description.hasSuffix(", not a regular file") == true,
                "\(error?.description ?? "")")
        let run = try CommandLineTool.run(["train", "--data", path, "--output", "/nonexistent/never"])
        #expect(run.status != 0 && run.stderr.contains("not a regular file"), "\(run.stderr)")
    }

    /// A plain file over the limit is refused from its size, without reading it; gzip data is still read through.
    @Test func sizesAreCheckedBeforeReading() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let plain = try tmp.write(String(repeating: "1,2\n", count: 100), to: "plain.csv")
        let error = #expect(throws: DataError.self) { try Gzip.contents(ofFile: plain, limit: 399) }
        #expect(error?.description == "\(plain): is 400 bytes, more than the 399-byte limit")
        #expect(try Gzip.contents(ofFile: plain, limit: 400).count == 400)
    }
}

/// A model that needs more memory than the process may have is refused before anything is allocated, whatever
/// sets the limit; a summary never allocates the weights.
@Suite(.serialized) struct MemoryLimitTests {
    /// 4 → 10⁸ → 3: 8·10⁸ parameters, 12.8 GB to train at 16 bytes each; under `ulimit -v 3 GiB`.
    static let big = #"{"input": [4], "layers": [{"type": "dense", "units": 100000000}, {"type": "dense", "units": 3}], "loss": "softmaxCrossEntropy"}"#

    func limited(_ arguments: [String], kilobytes: Int) throws -> (status: Int32, stdout: String, stderr: String) {
        let quoted = ([CommandLineTool.executable] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
        let r = try CommandLineTool.runProcess("/bin/bash", ["-c", "ulimit -v \(kilobytes) && exec \(quoted)"])
        #expect(r.exited, "stopped by signal \(r.status)")
        return (r.status, r.stdout, r.stderr)
    }

    @Test func trainIsRefusedUnderTheAddressSpaceLimit() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let spec = try tmp.write(Self.big, to: "big.json")
        let run = try limited(["train", "--dataset", "iris", "--model-file", spec, "--output", tmp.file("run")], kilobytes: 3 << 20)
        #expect(run.status == 1)
        #expect(run.stderr.contains("dense on input [4]: the model needs 500000000 parameters") && run.stderr.contains("the process's address-space limit (ulimit -v) 3.0 GiB"),
                "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: tmp.file("run")))
    }

    /// The summary of a model whose weights alone would take 3.2 GB prints at once, in a few megabytes.
    @Test func summaryNeverAllocatesTheWeights() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let spec = try tmp.write(Self.big, to: "big.json")
        let (status, peak) = try CommandLineTool.runMeasuringMemory(["summary", "--model-file", spec], outputFile: tmp.file("out.txt"))
        let text = try String(contentsOfFile: tmp.file("out.txt"), encoding: .utf8)
        #expect(status == 0)
        #expect(text.contains("0 dense (100000000)") && text.contains("(None, 100000000)") && text.contains("Total params: 800000003"), "\(text)")
        // Linux counts into a spawned child's peak the peak of the process that spawned it (its memory image until
        // exec): so the bound is this test process's own peak plus 512 MiB, far below the 3.2 GB of the weights.
        let own = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let ownPeak = (own.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?.split(separator: " ").dropFirst().first)
            .flatMap { Int($0) }.map { $0 * 1024 } ?? 0
        #expect(ownPeak < 5 << 29 && peak < ownPeak + 512 << 20, "peak resident memory \(peak >> 20) MiB, this process's \(ownPeak >> 20) MiB")
        // Under a limit it cannot train in, the spec is refused with the reason, still without allocating.
        let refused = try limited(["summary", "--model-file", spec], kilobytes: 1 << 20)
        #expect(refused.status == 1 && refused.stderr.contains("more than the process's address-space limit (ulimit -v) 1.0 GiB"),
                "\(refused.stderr)")
    }

    /// The spec-only summary agrees with the built model's counts and shapes, for every kind of layer.
    @Test func specSummaryMatchesTheBuiltModel() throws {
        let text = #"{"input": [12, 12, 1], "layers": [{"type": "normalization"}, {"type": "conv2d", "filters": 4, "kernelSize": 3, "padding": "same"}, {"type": "batchNorm"}, {"type": "activation", "activation": "relu"}, {"type": "maxPool2d", "poolSize": 2}, {"type": "conv2d", "filters": 6, "kernelSize": [3, 2], "strides": 2, "dilation": 1}, {"type": "prelu"}, {"type": "globalAveragePool2d"}, {"type": "dropout", "rate": 0.2}, {"type": "maxout", "units": 5, "pieces": 2}, {"type": "dense", "units": 3}], "loss": "softmaxCrossEntropy"}"#
        let spec = try ModelSpec(json: Array(text.utf8))
        let model = try spec.buildSequential()
        let shapes = try spec.layerShapes()
        var shape = [1] + spec.input
        for (layer, row) in zip(model.layers, shapes) {
            shape = try layer.outputShape(for: shape)
            #expect(Array(shape.dropFirst()) == row.output, "\(layer.typeName)")
            #expect(layer.parameterCount == row.parameters, "\(layer.typeName)")
            #expect(layer.parameters.filter(\.isTrainable).reduce(0) { $0 + $1.value.count } == row.trainable, "\(layer.typeName)")
        }
        let summary = try spec.summary()
        #expect(summary.hasSuffix(try model.summary(inputShape: [1] + spec.input).split(separator: "\n").suffix(3).joined(separator: "\n")))
    }
}
