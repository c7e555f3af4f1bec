import Foundation
import Testing
import NeuralKit
import Playground
import _TestSupport
import Glibc

func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

/// Every reader of the outside world, fed seeded random corruptions of a valid input: each must return a value
/// or throw its typed error with a one-line message, never trap (a trap stops this test process, which fails the
/// run). What a reader accepts is then used as the program would use it (tensors read out, models built).
/// `NEURALKIT_FUZZ_ITERATIONS` (default 400 a reader) and `NEURALKIT_FUZZ_SEED` (default 7) search further.
@Suite struct MalformedInputTests {
    struct Reader: CustomTestStringConvertible, Sendable {
        let name: String
        let valid: @Sendable () throws -> [UInt8]
        /// Parses the bytes and uses what it gets.
        let read: @Sendable ([UInt8]) throws -> Void
        var testDescription: String { name }
    }

    static func text(_ s: String) -> [UInt8] { Array(s.utf8) }

    static let readers: [Reader] = [
        Reader(name: "NPY", valid: { NPYArray(Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6])).serialized() }) { bytes in
            _ = try NPYArray(bytes: bytes, file: "fuzz.npy").tensor()
        },
        Reader(name: "IDX", valid: { idxBytes(dims: [3, 2, 2], payload: Array(0..<12)) }) { bytes in
            let file = try IDXFile(bytes: bytes, path: "fuzz.idx")
            _ = file.tensor()
            _ = try? file.labels(classCount: 10)
        },
        Reader(name: "safetensors", valid: {
            var file = Safetensors()
            file.set(Tensor(rows: [[1, -2], [3.5, 4]]), named: "w")
            file.set(integers: [1, 2, 3], shape: [3], named: "i")
            file.metadata = [("epoch", "3")]
            return file.serialized()
        }) { bytes in
            _ = try Safetensors(bytes: bytes, source: "fuzz.safetensors").tensors()
        },
        Reader(name: "checkpoint", valid: {
            let trainer = Trainer(model: Sequential([Dense(inputSize: 2, outputSize: 1, seed: 1)]), loss: .meanSquaredError(),
                                  optimizer: Optimizer(Adam(learningRate: 0.1)))
            try trainer.fit(x: Tensor(rows: [[1, 2], [3, 4]]), y: Tensor(rows: [[1], [2]]), batchSize: 2, epochs: 1)
            return Checkpoint(trainer: trainer, configurationHash: "abc").serialized()
        }) { bytes in
            let checkpoint = try Checkpoint(bytes: bytes, source: "fuzz.ckpt")
            let trainer = Trainer(model: Sequential([Dense(inputSize: 2, outputSize: 1, seed: 1)]), loss: .meanSquaredError(),
                                  optimizer: Optimizer(Adam(learningRate: 0.1)))
            try checkpoint.restore(into: trainer)
        },
        Reader(name: "model JSON", valid: {
            text(#"{"input": [6, 6, 1], "layers": [{"type": "conv2d", "filters": 2, "kernelSize": 3, "padding": "same"}, "#
                 + #"{"type": "maxPool2d"}, {"type": "flatten"}, {"type": "dense", "units": 4, "activation": "relu"}, "#
                 + #"{"type": "dropout", "rate": 0.5}, {"type": "dense", "units": 3}], "loss": "softmaxCrossEntropy", "#
                 + #""optimizer": {"type": "adam", "learningRate": 0.001}, "schedule": {"type": "cosine", "totalSteps": 9}, "#
                 + #""metrics": ["accuracy"]}"#)
        }) { bytes in
            let spec = try ModelSpec(json: bytes)
            let model = try spec.buildModel()
            if let values = try model.valuesPerExample(inputs: [spec.input]), values < 1 << 20 {
                _ = model(Tensor.zeros([1] + spec.input))   // an accepted spec runs
            }
        },
        Reader(name: "Playground request", valid: {
            text(#"{"dataset": "xor", "noise": 0.1, "trainRatio": 0.5, "pointCount": 40, "seed": 3, "features": ["x1", "x2"], "#
                 + #""hidden": [{"neurons": 3, "activation": "tanh"}], "learningRate": 0.03, "batchSize": 10, "#
                 + #""csv": "x1,x2,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n"}"#)
        }) { bytes in
            _ = try PlaygroundConfiguration(json: bytes)
        },
        // Datasets as `neuralkit train` loads them, a pair of files with one of them corrupted.
        Reader(name: "NPY features through loadData", valid: { npyFeatures }) { try loadPair($0, npyLabels, NPY: true) },
        Reader(name: "NPY labels through loadData", valid: { npyLabels }) { try loadPair(npyFeatures, $0, NPY: true) },
        Reader(name: "IDX images through loadData", valid: { idxImages }) { try loadPair($0, idxLabels, NPY: false) },
        Reader(name: "IDX labels through loadData", valid: { idxLabels }) { try loadPair(idxImages, $0, NPY: false) },
        Reader(name: "gzip IDX images through loadData", valid: { try gzip(idxImages) }) { try loadPair($0, idxLabels, NPY: false) },
        Reader(name: "sktime .ts series", valid: {
            text("# a comment\n@problemName tiny\n@dimensions 2\n@equalLength false\n@classLabel true a b\n@data\n1,2,3:4,5,6:b\n7,8:9,10:a\n")
        }) { bytes in
            _ = try TimeSeriesFile(bytes: bytes, file: "fuzz.ts").dataset(name: "fuzz")
        },
        Reader(name: "MovieLens ratings", valid: { text("userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n2,10,4.0,835355493\n2,17,5.0,835355681\n3,31,3.5,1298861675\n") }) { bytes in
            _ = try Ratings.parse(bytes, file: "fuzz.csv")
        },
        Reader(name: "text as language-model windows", valid: { text("To be, or not to be: that is the question.\nWhether 'tis nobler") }) { bytes in
            _ = try Dataset.languageModel(text: try TextFile.decode(bytes, file: "fuzz.txt"), name: "fuzz.txt", length: 4, trainFraction: 0.8)
        },
        Reader(name: "series CSV to forecast", valid: { text("month,value\n" + (1...12).map { "\($0),\(100 + $0 * 7 % 11)" }.joined(separator: "\n")) }) { bytes in
            let windows = try ForecastWindows(rows: try CSVReader.rows(bytes, file: "fuzz.csv"), file: "fuzz.csv", column: .last, window: 3, testCount: 2)
            _ = windows.datasets(name: "fuzz")
        },
        Reader(name: "CSV", valid: { text("a,b,label\n1,2.5,0\n3,-4,1\n5,6e1,0\n7,8,1\n9,10,0\n") }) { bytes in
            _ = try CSVReader.dataset(try CSVReader.rows(bytes, file: "fuzz.csv"), file: "fuzz.csv", name: "fuzz")
        },
    ]

    static let npyFeatures = NPYArray(Tensor(shape: [10, 2], values: (0..<20).map(Double.init))).serialized()
    static let npyLabels = NPYArray(Tensor((0..<10).map { Double($0 % 3) })).serialized()
    static let idxImages = idxBytes(dims: [10, 2, 2], payload: (0..<40).map { UInt8($0 * 6) })
    static let idxLabels = idxBytes(dims: [10], payload: (0..<10).map { UInt8($0 % 3) })

    /// `bytes` compressed by the system's gzip.
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        FileManager.default.createFile(atPath: tmp.file("f"), contents: Data(bytes))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", tmp.file("f")]
        try process.run()
        process.waitUntilExit()
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: tmp.file("f.gz"))))
    }

    /// `TrainingRun.loadData` of features and labels files holding these bytes (NPY or IDX).
    static func loadPair(_ features: [UInt8], _ labels: [UInt8], NPY: Bool) throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let (x, y) = (tmp.file("x"), tmp.file("y"))
        guard FileManager.default.createFile(atPath: x, contents: Data(features)),
              FileManager.default.createFile(atPath: y, contents: Data(labels)) else { throw DataError(file: tmp.path, "cannot write") }
        var c = RunConfiguration()
        c.data = NPY ? .npy(features: x, labels: y) : .idx(images: x, labels: y)
        _ = try TrainingRun.loadData(c)
    }

    /// Bytes a corruption writes: structure characters, digits, extremes.
    static let interesting: [UInt8] = [0, 0xFF, 0x7F, 0x80, 0x01] + Array("9-[{\"}],:e.\n".utf8)
    /// Numbers a corruption puts in place of a run of digits.
    static let numbers = ["0", "-1", "1e308", "99999999999999999999", "2.5", "999999", "NaN"]

    /// `valid` with one to three random corruptions: a bit flipped, a byte overwritten, inserted or deleted, the
    /// end cut off, a span repeated, or a run of digits replaced by another number.
    static func corrupted(_ valid: [UInt8], _ rng: inout RandomGenerator) -> [UInt8] {
        var b = valid
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            func position() -> Int { b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count)) }
            switch rng.next() % 7 {
            case 0: if !b.isEmpty { b[position()] ^= 1 << (rng.next() % 8) }
            case 1: if !b.isEmpty { b[position()] = interesting[Int(rng.next() % UInt64(interesting.count))] }
            case 2: b.insert(interesting[Int(rng.next() % UInt64(interesting.count))], at: position())
            case 3: if !b.isEmpty { b.remove(at: position()) }
            case 4: b.removeLast(b.count - position())
            case 5:
                let start = position(), end = Swift.min(b.count, start + 1 + Int(rng.next() % 16))
                b.insert(contentsOf: b[start..<end], at: start)
            default:
                let digits = b.indices.filter { (48...57).contains(b[$0]) && ($0 == 0 || !(48...57).contains(b[$0 - 1])) }
                guard !digits.isEmpty else { continue }
                let start = digits[Int(rng.next() % UInt64(digits.count))]
                var end = start
                while end < b.count && (48...57).contains(b[end]) { end += 1 }
                b.replaceSubrange(start..<end, with: Array(numbers[Int(rng.next() % UInt64(numbers.count))].utf8))
            }
        }
        return b
    }

    @Test(arguments: readers)
    func corruptedInputIsReadOrReportedInOneLine(_ reader: Reader) throws {
        let valid = try reader.valid()
        try reader.read(valid)   // the uncorrupted input reads
        var rng = RandomGenerator(seed: UInt64(environment("NEURALKIT_FUZZ_SEED") ?? "") ?? 7)
        var (accepted, reported) = (0, 0)
        for _ in 0..<(Int(environment("NEURALKIT_FUZZ_ITERATIONS") ?? "") ?? 400) {
            let bytes = Self.corrupted(valid, &rng)
            do {
                try reader.read(bytes)
                accepted += 1
            } catch let error as DataError {
                reported += 1
                #expect(!error.description.contains("\n") && !error.message.isEmpty, "\(error.description.debugDescription)")
            } catch let error as ConfigError {
                reported += 1
                #expect(!error.description.contains("\n") && !error.message.isEmpty, "\(error.description.debugDescription)")
            } catch {
                Issue.record("\(reader.name): untyped error \(type(of: error)): \(error)")
            }
        }
        #expect(reported > 0, "no corruption was refused: \(accepted) accepted")
    }
}
