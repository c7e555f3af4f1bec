import Foundation
import Testing
import NeuralKit
import _TestSupport

/// The character language model (`--text`, the charlstm preset, `neuralkit generate`) and the forecaster
/// (`--series`, the lstm-forecaster preset) end to end.
@Suite struct TextAndForecastTests {
    static let verse = String(repeating: "to be or not to be, that is the question; whether tis nobler in the mind. ", count: 40)

    /// Windows of 100 + 1 characters from the start of each part, as the peers cut them; the targets are the inputs
    /// shifted by one, and every id maps back to its character.
    @Test func languageModelWindowsFollowTheText() throws {
        let letters = Array("abcdefghij")
        var chars: [Character] = []
        for i in 0..<1200 { chars.append(letters[(i * 7 + i / 13) % 10]) }
        let text = String(chars)
        let (train, test) = try Dataset.languageModel(text: text, name: "t", length: 100, trainFraction: 0.9)
        #expect(train.features.shape == [10, 100] && test.features.shape == [1, 100])
        let vectorizer = try #require(train.textVectorizer)
        for w in [0, 9] {
            let x = train.features.slice(alongAxis: 0, w..<(w + 1)).integers, y = train.targets.slice(alongAxis: 0, w..<(w + 1)).integers
            #expect(vectorizer.text(for: x) == String(chars[(w * 101)..<(w * 101 + 100)]))
            #expect(vectorizer.text(for: y) == String(chars[(w * 101 + 1)...(w * 101 + 100)]))
        }
        #expect(train.classNames == vectorizer.vocabulary && vectorizer.vocabulary.count == 12)
        #expect(throws: DataError.self) { try Dataset.languageModel(text: "short", name: "t", length: 100) }
    }

    @Test func charlstmTrainsOnATextAndGeneratesFromItsRunFolder() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let summary = try TrainingRun.quietly(.text(path: try tmp.write(Self.verse, to: "verse.txt")), epochs: 40, batchSize: 8, in: tmp)
        #expect(summary.model == "charlstm")
        #expect(summary.confusionMatrix == nil)
        // A repeated line is easy to learn: well under the uniform guess's ln 24 ≈ 3.2 nats a character.
        #expect(summary.testLoss < 1, "\(summary.json)")
        let generator = try TextGenerator(directory: tmp.file("run"))
        #expect(generator.vectorizer.vocabulary.count == Set(Self.verse).count + 2)

        let a = try generator.generate(prompt: "to be", length: 40, temperature: 0.5, topK: 5, seed: 3)
        #expect(a.count == 45 && a.hasPrefix("to be"))
        #expect(try generator.generate(prompt: "to be", length: 40, temperature: 0.5, topK: 5, seed: 3) == a)
        #expect(Set(a).isSubset(of: Set(Self.verse)))
        // The likeliest continuation of a learned line repeats it.
        let greedy = try generator.generate(prompt: "to be or not to be, that is the ", length: 8, temperature: 0)
        #expect(greedy.hasSuffix("question"), "\(greedy)")

        // The state carries: one id at a time gives the logits of the whole prompt at once.
        let ids = generator.vectorizer.ids(for: "whether tis")
        var stepwise = TextGenerator.States(), whole = TextGenerator.States()
        var logits: [Double] = []
        for id in ids { logits = generator.logits(after: [id], states: &stepwise) }
        let once = generator.logits(after: ids, states: &whole)
        expectClose(Tensor(logits), once, absolute: 1e-4, relative: 1e-4, "stepwise against whole")

        for (bad, message) in [((-1, 1.0, nil as Int?), "--length"), ((5, -1.0, nil), "--temperature"), ((5, 1.0, 0), "--top-k")] {
            #expect(throws: DataError.self, "\(message)") {
                try generator.generate(prompt: "to", length: bad.0, temperature: bad.1, topK: bad.2)
            }
        }
        #expect(throws: DataError.self) { try generator.generate(prompt: "", length: 5) }
    }

    /// The windows are relative logs: log(yₜ₋ₖ / yₜ₋₁) in, log(yₜ / yₜ₋₁) out; exact predictions give the series back.
    @Test func forecastWindowsAreRelativeLogs() throws {
        let series = (0..<10).map { pow(2, Double($0)) * (1 + Double($0 % 3) / 10) }
        let windows = try ForecastWindows(series: series, window: 3, testCount: 2, file: "s")
        let (train, test) = windows.datasets(name: "s")
        #expect(train.features.shape == [5, 3, 1] && test.features.shape == [2, 3, 1] && train.isSequences)
        let expectedX = (3..<8).flatMap { t in (t - 3..<t).map { log(series[$0] / series[t - 1]) } }
        // Float32, as the model trains.
        expectClose(train.features, expectedX, absolute: 1e-6, relative: 1e-6, "features")
        expectClose(train.targets, (3..<8).map { log(series[$0] / series[$0 - 1]) }, absolute: 1e-6, relative: 1e-6, "targets")
        let perfect = windows.values(fromLogRatios: (8..<10).map { log(series[$0] / series[$0 - 1]) })
        expectClose(Tensor(perfect, dtype: .float64), Array(series.suffix(2)), absolute: 1e-9, relative: 1e-12, "back to the series")
        #expect(windows.testErrors(forecasts: perfect).mape < 1e-9)
        #expect(windows.seasonalNaive(season: 1) == [series[7], series[8]])
        let (mae, mape) = windows.testErrors(forecasts: [series[8], series[9] * 1.1])
        #expect(Swift.abs(mae - (Swift.abs(series[8] - series[8]) + series[9] * 0.1) / 2) < 1e-9)
        #expect(Swift.abs(mape - 5) < 1e-9)
    }

    /// The airline preset forecasts 1960 one month ahead better than last year's same month does (MAPE 10.0%).
    @Test func airlineForecasterBeatsSeasonalNaive() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let summary = try TrainingRun.quietly(.builtin("airline"), epochs: 200, batchSize: 16, in: tmp)
        let forecast = try #require(summary.forecast)
        #expect(summary.model == "lstm-forecaster")
        // Box & Jenkins' 1960 against 1959: mean |1960 − 1959| / 1960 = 9.9875%.
        #expect(Swift.abs(forecast.naiveMAPE - 9.9875) < 1e-3 && Swift.abs(forecast.naiveMAE - 47.8333) < 1e-3)
        #expect(forecast.mape < 6, "\(summary.json)")
        #expect(summary.json.contains("\"forecast_mape\""))
    }
}

/// Recommendation: MovieLens-format ratings and the matrix-factorization preset.
@Suite struct RatingsTests {
    /// Both MovieLens layouts read to the same dataset: users and items numbered from 0 in order of appearance.
    @Test func movieLensFormatsRead() throws {
        let uData = "196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t377\t1\t878887116\n244\t51\t2\t880606923\n186\t242\t5\t886397596\n"
        let csv = "userId,movieId,rating,timestamp\n196,242,3.0,881250949\n186,302,3.0,891717742\n196,377,1.0,878887116\n"
            + "244,51,2.0,880606923\n186,242,5.0,886397596\n"
        for (text, file) in [(uData, "u.data"), (csv, "ratings.csv")] {
            let d = try Ratings.parse(Array(text.utf8), file: file)
            #expect(d.features.integers == [0, 0, 1, 1, 0, 2, 2, 3, 1, 0], "\(file)")
            #expect(d.targets.values == [3, 3, 1, 2, 5] && d.idColumnCounts == [3, 4], "\(file)")
        }
        #expect(throws: DataError.self) { try Ratings.parse(Array("1\t2\n".utf8), file: "short") }
        #expect(throws: DataError.self) { try Ratings.parse(Array((uData + "1\t2\tfive\t0\n").utf8), file: "bad") }
    }

    /// The preset recovers held-out synthetic ratings to an RMSE near the noise (0.25) the generator adds; guessing
    /// each item's mean rating gives about 1.1.
    @Test func syntheticRatingsRecovery() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let summary = try TrainingRun.quietly(.builtin("synthetic-ratings"), epochs: 60, batchSize: 64, in: tmp)
        #expect(summary.model == "matrix-factorization")
        let rmse = summary.testLoss.squareRoot()
        #expect(rmse < 0.25 * 1.3, "test RMSE \(rmse): \(summary.json)")

        // The run folder evaluates the same test split again.
        let trained = try TrainedModel(directory: tmp.file("run"))
        let (_, test) = try BuiltinDatasets.trainTest("synthetic-ratings")
        let logs = try trained.evaluate(test)
        #expect(Swift.abs(logs["loss"]! - summary.testLoss) < 1e-6)
    }
}
