import Foundation
import Testing
import NeuralKit
import _TestSupport

@Suite struct HyperparameterSearchTests {
    @Test func gridCoversEveryCombination() throws {
        var space = SearchSpace()
        space.learningRate = .list([0.1, 0.01])
        space.widths = [8, 16, 32]
        space.dropouts = [0, 0.5]
        let trials = try HyperparameterSearch.trials(space, strategy: .grid, seed: 0)
        #expect(trials.count == 12)
        #expect(Set(trials.map { "\($0.learningRate) \($0.width) \($0.dropout)" }).count == 12)
        #expect(throws: TrainingError.self) { try HyperparameterSearch.trials(SearchSpace(), strategy: .grid, seed: 0) }
    }

    @Test func randomSearchSamplesLearningRatesLogUniformly() throws {
        var space = SearchSpace()
        space.learningRate = .logUniform(1e-5, 1)
        let trials = try HyperparameterSearch.trials(space, strategy: .random(trials: 2000), seed: 3)
        let exponents = trials.map { log10($0.learningRate) }
        #expect(exponents.allSatisfy { $0 >= -5 && $0 <= 0 })
        // 10^U(−5, 0): each decade gets about a fifth of the draws
        for d in -5..<0 {
            let share = Double(exponents.filter { $0 >= Double(d) && $0 < Double(d + 1) }.count) / 2000
            #expect(Swift.abs(share - 0.2) < 0.04, "decade \(d): \(share)")
        }
        #expect(try HyperparameterSearch.trials(space, strategy: .random(trials: 5), seed: 3).map(\.learningRate)
                == trials.prefix(5).map(\.learningRate))
    }

    /// A trial larger than the machine's memory stops the search before any trial trains.
    @Test func everyTrialIsCheckedBeforeTheFirstTrains() throws {
        var space = SearchSpace()
        space.learningRate = .list([0.01])
        space.widths = [16, 999_999_999_999_999]
        let data = try BuiltinDatasets.trainTest("iris", seed: 1).train
        var logged: [String] = []
        let error = #expect(throws: TrainingError.self) {
            try HyperparameterSearch.run(on: data, space: space, strategy: .grid, epochs: 1, seed: 1) { logged.append($0) }
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("width 999999999999999, depth 1: $.layers[0]: dense on input [4]: the model needs"))
        #expect(logged.isEmpty)
    }

    @Test func runRanksByValidationLoss() throws {
        var space = SearchSpace()
        space.learningRate = .list([1e-5, 0.01])   // the tiny rate barely learns in 5 epochs
        space.widths = [16]
        let data = try BuiltinDatasets.trainTest("iris", seed: 1).train   // shuffled: the validation split takes the last 20%
        let ranked = try HyperparameterSearch.run(on: data, space: space, strategy: .grid, epochs: 5, seed: 1)
        #expect(ranked.count == 2)
        #expect(ranked[0].validationLoss <= ranked[1].validationLoss)
        #expect(ranked[0].learningRate == 0.01)
        #expect(HyperparameterSearch.csv(ranked).split(separator: "\n").count == 3)
        #expect(HyperparameterSearch.table(ranked).contains("1.0e-2"))
        let spec = ranked[0].spec(for: data)
        #expect(try ModelSpec(json: Array(spec.json.utf8)).json == spec.json)
    }

    @Test func tuneCommandWritesRankedResultsAndTheBestSpec() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let r = try CommandLineTool.run(["tune", "--dataset", "iris", "--strategy", "grid", "--learning-rates", "0.01,0.001",
                                         "--widths", "8,16", "--epochs", "2", "--output", tmp.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: tmp.file("results.csv"), encoding: .utf8).split(separator: "\n").count == 5)
        // The best trial's batch size is not in best.json: the suggested command carries it.
        #expect(r.stdout.contains("Train it: neuralkit train --dataset iris --model-file \(tmp.path)/best.json --batch-size 32"),
                "\(r.stdout)")
        let train = try CommandLineTool.run(["train", "--dataset", "iris", "--model-file", tmp.file("best.json"), "--epochs", "2",
                                             "--output", tmp.file("run")])
        #expect(train.status == 0, "\(train.stderr)")
        let bad = try CommandLineTool.run(["tune", "--dataset", "iris", "--learning-rates", "1:0.1"])
        #expect(bad.status != 0 && bad.stderr.contains("--learning-rates"))
    }
}
