import Testing
import NeuralKit

@Suite struct TimeSeriesFileTests {
    static let small = """
    # a comment
    @problemName tiny
    @dimensions 2
    @equalLength false
    @classLabel true a b
    @data
    1,2,3:4,5,6:b
    7,8:9,10:a
    """

    @Test func readsVariableLengthSeriesAsPaddedTensorsAndMasks() throws {
        let file = try TimeSeriesFile(bytes: Array(Self.small.utf8), file: "tiny.ts")
        #expect(file.series.shape == [2, 3, 2] && file.lengths == [3, 2] && file.classNames == ["a", "b"])
        // [series, step, channel]: channel values interleaved per step, zeros after the second series' end.
        #expect(file.series.values == [1, 4, 2, 5, 3, 6, 7, 9, 8, 10, 0, 0])
        #expect(file.labels.integers == [1, 0] && file.mask.integers == [1, 1, 1, 1, 1, 0])
        let data = file.dataset(name: "tiny", steps: 5)
        #expect(data.isSequences && data.exampleShape == [5, 2] && data.features.values.suffix(6) == [0, 0, 0, 0, 0, 0])
        #expect(data.subset([1]).isSequences)
    }

    @Test func theJapaneseVowels() throws {
        let (train, test) = try BuiltinDatasets.trainTest("japanese-vowels")
        #expect(train.count == 270 && test.count == 370 && train.exampleShape == [29, 12] && test.exampleShape == [29, 12])
        #expect(train.isSequences && train.classNames == (1...9).map(String.init))
        #expect(Set(train.targets.integers.map { $0 }).count == 9 && train.targets.integers.filter { $0 == 4 }.count == 30)
        // Every series has 7 to 29 steps: the steps that count are the ones not all zero.
        let v = test.features.values
        let steps = (0..<test.count).map { n in (0..<29).filter { t in (0..<12).contains { v[(n * 29 + t) * 12 + $0] != 0 } }.count }
        #expect(steps.min() == 7 && steps.max() == 29)
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let text: String
        let message: String
        var testDescription: String { message }
    }

    static let bad: [Bad] = [
        Bad(text: "1,2:3,4:a\n", message: "tiny.ts, line 1: expected a @ header line before @data"),
        Bad(text: "@classLabel true a\n@data\n1,2:3,4:c\n", message: "tiny.ts, line 3: unknown class label 'c' (expected one of: a)"),
        Bad(text: "@dimensions 2\n@classLabel true a\n@data\n1,2:a\n", message: "tiny.ts, line 4: expected 2 channels and a label separated by ':', found 2 fields"),
        Bad(text: "@classLabel true a\n@data\n1,x:3,4:a\n", message: "tiny.ts, line 3, channel 1: expected a number, found 'x'"),
        Bad(text: "@classLabel true a\n@data\n1,2:3:a\n", message: "tiny.ts, line 3: channel 2 has 1 values, channel 1 has 2"),
        Bad(text: "@data\n", message: "tiny.ts, line 1: @data before @classLabel"),
        Bad(text: "@classLabel true a\n", message: "tiny.ts: no @data section"),
        Bad(text: "@classLabel true a\n@data\n", message: "tiny.ts: no series after @data"),
        Bad(text: "@dimensions zero\n", message: "tiny.ts, line 1: @dimensions needs a positive count"),
    ]

    @Test(arguments: bad)
    func malformedFilesAreOneLineErrors(_ row: Bad) {
        #expect { _ = try TimeSeriesFile(bytes: Array(row.text.utf8), file: "tiny.ts") } throws: { error in
            "\(error)" == row.message
        }
    }
}
