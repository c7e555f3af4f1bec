import ArgumentParser
import FileIO
import Foundation
import Hummingbird
import NeuralKit
import Playground

@main
struct NeuralKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neuralkit",
        abstract: "NeuralKit: train neural networks natively in Swift on Linux.",
        version: neuralKitVersion,
        subcommands: [Train.self, Evaluate.self, Predict.self, Generate.self, Summary.self, Datasets.self, Tune.self, PlaygroundCommand.self, Examples.self]
    )
}

/// `text` as one shell word: unchanged when it holds only safe characters, else in single quotes.
func shellQuoted(_ text: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%")
    return !text.isEmpty && text.allSatisfy(safe.contains) ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Runs `body`, turning NeuralKit's errors into one line on stderr and a failing exit code.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("neuralkit: error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

struct DataOptions: ParsableArguments {
    @Option(help: "A built-in dataset (see `neuralkit datasets`).")
    var dataset: String?

    @Option(help: "Your own data: a CSV file (features and a label column).")
    var data: String?

    // Unconditional, so that `--label -1` takes "-1" as its value rather than as an unknown option.
    @Option(parsing: .unconditional,
            help: "The label column of --data: a header name or a 0-based index (negative from the end). Default: last.")
    var label: String?

    @Option(name: .customLong("label-file"), help: "Labels for --data given as .npy features or IDX images.")
    var labelFile: String?

    @Option(help: "A UTF-8 text file (gzip allowed) for a character language model (the charlstm preset).")
    var text: String?

    @Option(help: "A CSV file whose --label column (default: last) is a positive series to forecast one step ahead (the lstm-forecaster preset): windows of 12, the last 12 values to test.")
    var series: String?

    @Option(help: "MovieLens-format ratings (u.data or ratings.csv: user, item, rating) for a matrix-factorization recommender.")
    var ratings: String?

    /// These options as command-line arguments, shell-quoted where needed (for a suggested command).
    var arguments: [String] {
        let given: [(String, String?)] = [("--dataset", dataset), ("--data", data), ("--text", text), ("--series", series),
                                          ("--ratings", ratings), ("--label", label), ("--label-file", labelFile)]
        return given.flatMap { name, value in value.map { [name, shellQuoted($0)] } ?? [] }
    }

    func source() throws -> RunConfiguration.DataSource? {
        let sources = [("--dataset", dataset), ("--data", data), ("--text", text), ("--series", series), ("--ratings", ratings)].filter { $0.1 != nil }.map(\.0)
        if sources.count > 1 { throw ValidationError("use one of \(sources.joined(separator: ", ")), not several") }
        if let dataset { return .builtin(dataset) }
        if let ratings {
            if label != nil || labelFile != nil { throw ValidationError("--ratings takes no --label or --label-file") }
            return .ratings(path: ratings)
        }
        if let text {
            if label != nil || labelFile != nil { throw ValidationError("--text takes no --label or --label-file") }
            return .text(path: text)
        }
        let column: CSVReader.LabelColumn = label.map { Int($0).map(CSVReader.LabelColumn.index) ?? .name($0) } ?? .last
        if let series {
            if labelFile != nil { throw ValidationError("--series takes no --label-file") }
            return .series(path: series, column: column)
        }
        guard let data else {
            if label != nil { throw ValidationError("--label needs --data or --series") }
            return nil
        }
        if let labelFile {
            if data.hasSuffix(".npy") { return .npy(features: data, labels: labelFile) }
            return .idx(images: data, labels: labelFile)
        }
        if data.hasSuffix(".npy") { throw ValidationError("--data with .npy features needs --label-file") }
        return .csv(path: data, label: column)
    }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model; with no options, the default MLP on Fashion-MNIST (or the built-in digits).")

    @OptionGroup var data: DataOptions
    @Option(help: "A preset: \(RunConfiguration.presets.joined(separator: ", ")).") var model: String?
    @Option(name: .customLong("model-file"), help: "A JSON model specification.") var modelFile: String?
    @Option(help: "Optimizer: \(OptimizerRules.registry.names.joined(separator: ", ")), or JSON.") var optimizer: String?
    @Option(name: .customLong("learning-rate")) var learningRate: Double?
    @Option(help: "Learning-rate schedule: cosine (over the run), inverse-sqrt, or JSON with a type of \(LearningRateSchedule.registry.names.joined(separator: ", ")).")
    var schedule: String?
    @Option var epochs = 10
    @Option(name: .customLong("batch-size")) var batchSize = 128
    @Option(name: .customLong("validation-split")) var validationSplit = 0.1
    @Option(name: .customLong("early-stopping"), help: "Stop after this many epochs without improvement.") var earlyStopping: Int?
    @Option var seed: UInt64 = 0
    @Option(help: "Output directory.") var output = "neuralkit-run"
    @Option(help: "Image augmentation, e.g. translate=2,rotate=15,zoom=0.9:1.1,flip,noise=0.05,cutout=8.") var augment: String?
    @Flag(help: "Continue from the output directory's latest checkpoint.") var resume = false
    @Option(name: .customLong("checkpoint-every"), help: "Also checkpoint every N batches (default: at epoch ends only).")
    var checkpointEvery = 0
    @Flag(help: "Print a JSON summary as the last line.") var json = false

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard (0..<1).contains(validationSplit) else { throw ValidationError("--validation-split must be in [0, 1)") }
        if model != nil && modelFile != nil { throw ValidationError("use either --model or --model-file") }
        if let e = earlyStopping, e < 0 { throw ValidationError("--early-stopping must be ≥ 0") }
        guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must be ≥ 0") }
    }

    func run() throws {
        try reportingErrors {
            var c = RunConfiguration()
            if let source = try data.source() {
                c.data = source
            } else {
                print(BuiltinDatasets.isFashionMNISTInstalled
                      ? "No data given: training on Fashion-MNIST."
                      : "No data given and Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): training on the built-in digits.")
            }
            if let model { c.model = .preset(model) }
            if let modelFile { c.model = .specFile(modelFile) }
            c.optimizer = try optimizer.map(FlagSyntax.optimizer)
            c.learningRate = learningRate
            c.schedule = try schedule.map(FlagSyntax.schedule)
            c.epochs = epochs
            c.batchSize = batchSize
            c.validationSplit = validationSplit
            c.earlyStoppingPatience = earlyStopping
            c.seed = seed
            c.outputDirectory = output
            c.resume = resume
            c.checkpointEveryBatches = checkpointEvery
            if let augment { c.augmentation = try FlagSyntax.augmentation(augment) }
            let summary = try TrainingRun.run(c)
            if json { print(summary.json) }
        }
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate a trained model on a dataset's test split.")
    @Option(name: .customLong("model-dir"), help: "A `neuralkit train` output directory.") var modelDirectory: String
    @OptionGroup var data: DataOptions
    @Option var seed: UInt64 = 0
    @Option(name: .customLong("tta"), help: "Test-time augmentation for image classifiers: also report the accuracy of the probabilities averaged over the original and these views, e.g. flip,translate=1.")
    var testTimeAugmentation: String?

    func run() throws {
        try reportingErrors {
            let trained = try TrainedModel(directory: modelDirectory)
            var c = RunConfiguration()
            if let source = try data.source() { c.data = source }
            c.seed = seed
            let (_, test, _) = try TrainingRun.loadData(c, standardize: false)
            try TrainingRun.checkFits(test, spec: trained.spec, model: trained.model, source: modelDirectory + "/model.json")
            let views = try testTimeAugmentation.map { try TrainingRun.testTimeViews(try FlagSyntax.testTimeViews($0), for: test) }
            if views != nil, !test.isClassification || trained.spec.loss.kind != .softmaxCrossEntropy {
                throw DataError(file: "--tta", "needs a classifier trained with softmax cross-entropy")
            }
            let results = try trained.evaluate(test)
            for k in results.keys.sorted() { print("\(k): \(ProgressBar.fourDigits(results[k]!))") }
            if let views {
                let tta = trained.evaluate(x: test.features, labels: test.targets, testTimeAugmentation: views)
                for k in tta.keys.sorted() { print("tta_\(k) (\(views.count) views): \(ProgressBar.fourDigits(tta[k]!))") }
            }
        }
    }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Predict with a trained model: a CSV of features in, a CSV of predictions out.")
    @Option(name: .customLong("model-dir")) var modelDirectory: String
    @Option(help: "CSV of feature rows (no label column; a header is allowed).") var input: String
    @Option(help: "Where to write the predictions (default: standard output).") var output: String?

    func run() throws {
        try reportingErrors {
            let trained = try TrainedModel(directory: modelDirectory)
            let rows = try CSVReader.rows(ofFile: input)
            let text = try trained.predictionCSV(rows: rows, file: input)
            if let output { try AtomicFile.write(text, to: output) } else { print(text, terminator: "") }
        }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sample text from a trained language model (e.g. the charlstm preset).")
    @Option(name: .customLong("model-dir"), help: "A run folder of a text model (model.json, final.safetensors, vectorizer.json).")
    var modelDirectory: String
    @Option(help: "The text to start from.") var prompt: String
    @Option(help: "How many tokens (characters) to generate.") var length = 300
    @Option(help: "Sampling temperature: lower is safer, 0 always takes the likeliest token.") var temperature = 1.0
    @Option(name: .customLong("top-k"), help: "Draw only among the k likeliest tokens.") var topK: Int?
    @Option var seed: UInt64 = 0

    func run() throws {
        try reportingErrors {
            let generator = try TextGenerator(directory: modelDirectory)
            print(try generator.generate(prompt: prompt, length: length, temperature: temperature, topK: topK, seed: seed))
        }
    }
}

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a model's layer table.")
    @Option(name: .customLong("model-file")) var modelFile: String?
    @Option(name: .customLong("model-dir")) var modelDirectory: String?

    func run() throws {
        try reportingErrors {
            guard let path = modelFile ?? modelDirectory.map({ $0 + "/model.json" }) else {
                throw ValidationError("give --model-file or --model-dir")
            }
            let spec: ModelSpec
            do { spec = try ModelSpec(json: AtomicFile.read(path, limit: 16 << 20)) } catch let e as ConfigError {
                throw DataError(file: path, e.description)
            }
            do { print(try spec.summary()) } catch let e as ConfigError { throw DataError(file: path, e.description) }
        }
    }
}

struct Tune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search hyperparameters (grid or random): short fits on a validation split, ranked.")

    @OptionGroup var data: DataOptions
    @Option(help: "grid or random.") var strategy = "random"
    @Option(help: "Random-search trials.") var trials = 10
    @Option(name: .customLong("learning-rates"), help: "A range LOW:HIGH sampled log-uniformly, or a list a,b,c.")
    var learningRates = "1e-4:1e-1"
    @Option(name: .customLong("batch-sizes")) var batchSizes = "32"
    @Option var widths = "64"
    @Option var depths = "1"
    @Option var dropouts = "0"
    @Option var l2 = "0"
    @Option var epochs = 5
    @Option var seed: UInt64 = 0
    @Option(help: "Where to write results.csv and best.json.") var output = "neuralkit-tune"

    func list<T: LosslessStringConvertible>(_ text: String, _ name: String) throws -> [T] {
        let items = text.split(separator: ",").map { T(String($0).trimmingCharacters(in: .whitespaces)) }
        guard !items.isEmpty, items.allSatisfy({ $0 != nil }) else { throw ValidationError("--\(name): expected a comma-separated list, found '\(text)'") }
        return items.map { $0! }
    }

    func run() throws {
        var space = SearchSpace()
        if learningRates.contains(":") {
            let parts = learningRates.split(separator: ":").compactMap { Double($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > parts[0] else {
                throw ValidationError("--learning-rates: expected LOW:HIGH with 0 < LOW < HIGH, found '\(learningRates)'")
            }
            space.learningRate = .logUniform(parts[0], parts[1])
        } else {
            space.learningRate = .list(try list(learningRates, "learning-rates"))
        }
        space.batchSizes = try list(batchSizes, "batch-sizes")
        space.widths = try list(widths, "widths")
        space.depths = try list(depths, "depths")
        space.dropouts = try list(dropouts, "dropouts")
        space.l2 = try list(l2, "l2")
        guard space.batchSizes.allSatisfy({ $0 > 0 }), space.widths.allSatisfy({ $0 > 0 }), space.depths.allSatisfy({ $0 >= 0 }),
              space.dropouts.allSatisfy({ (0..<1).contains($0) }), space.l2.allSatisfy({ $0 >= 0 }) else {
            throw ValidationError("batch sizes and widths must be positive, depths ≥ 0, dropouts in [0, 1), l2 ≥ 0")
        }
        let chosen: HyperparameterSearch.Strategy
        switch strategy {
        case "grid": chosen = .grid
        case "random": chosen = .random(trials: trials)
        default: throw ValidationError("--strategy must be grid or random")
        }
        try reportingErrors {
            var c = RunConfiguration()
            if let source = try data.source() { c.data = source }
            c.seed = seed
            let (train, _, _) = try TrainingRun.loadData(c)
            let ranked = try HyperparameterSearch.run(on: train, space: space, strategy: chosen, epochs: epochs, seed: seed) { print($0) }
            print(HyperparameterSearch.table(ranked))
            _ = try TrainingRun.makeDirectory(output)
            try AtomicFile.write(HyperparameterSearch.csv(ranked), to: output + "/results.csv")
            if let best = ranked.first { try AtomicFile.write(best.spec(for: train).json + "\n", to: output + "/best.json") }
            print("Results in \(output)/results.csv; best configuration in \(output)/best.json")
            if let best = ranked.first {
                // The batch size is not part of a model file: say it with the command that trains the best trial.
                let command = ["neuralkit", "train"] + data.arguments
                    + ["--model-file", shellQuoted(output + "/best.json"), "--batch-size", "\(best.batchSize)"]
                print("Train it: " + command.joined(separator: " "))
            }
        }
    }
}

struct Datasets: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the built-in datasets.")
    func run() {
        for (name, description) in BuiltinDatasets.catalog {
            let missing = name == "fashion-mnist" && !BuiltinDatasets.isFashionMNISTInstalled ? " [not installed]" : ""
            print(name.padding(toLength: 18, withPad: " ", startingAt: 0) + description + missing)
        }
    }
}

/// Runs the lectures' seed examples through the library and prints their numbers.
struct Examples: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the lectures' worked examples, computed by NeuralKit.")

    func run() {
        print("NeuralKit \(neuralKitVersion), \(Parallel.workerCount) worker\(Parallel.workerCount == 1 ? "" : "s")")
        for example in SeedExamples.all { print(example()) }
    }
}

struct PlaygroundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "playground",
                                                    abstract: "Serve the Playground page (a TensorFlow-Playground-style trainer) locally.")
    @Option var port = 8080
    @Option(help: "Address to bind; anything but loopback exposes the Playground to the network.") var host = "127.0.0.1"
    @Option(name: .customLong("allowed-host"),
            help: "A further name browsers may use to reach the server (repeatable), e.g. this machine's DNS name.")
    var allowedHosts: [String] = []

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
    }

    func run() async throws {
        let server = PlaygroundServer(host: host, port: port, allowedHostNames: allowedHosts)
        if !server.isLoopback {
            FileHandle.standardError.write(Data("neuralkit: warning: binding to \(host) makes the Playground reachable from the network\n".utf8))
        }
        FileHandle.standardOutput.write(Data("NeuralKit Playground: http://\(host == "::1" ? "[::1]" : host):\(port)/\n".utf8))
        try await server.makeApplication().runService()
    }
}
