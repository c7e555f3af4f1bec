import Testing
import NeuralKit

@Suite struct TextVectorizerTests {
    @Test func charactersByFrequencyThenCodePoint() {
        var chars = TextVectorizer(split: .characters)
        chars.adapt(to: "hello world")
        #expect(chars.vocabulary == ["", "[UNK]", "l", "o", " ", "d", "e", "h", "r", "w"])
        #expect(chars.ids(for: "hold!") == [7, 3, 2, 5, 1])
        #expect(chars.text(for: [2, 3, 1]) == "lo[UNK]")
        #expect(chars.text(for: chars.ids(for: "world hello")) == "world hello")
        #expect(chars.text(for: [0, 7, 0, 99]) == "h[UNK]")   // padding is left out, an id beyond the vocabulary is [UNK]
    }

    @Test func wordsLowercasedWithoutPunctuationAndCapped() {
        var words = TextVectorizer(split: .words, lowercase: true, stripPunctuation: true, maximumTokens: 4)
        words.adapt(to: "To be, or not to be: that is the question. TO BE!")
        // to ×3, be ×3, then the ones: is, not, or, question, that, the: the cap keeps 4 ids, padding and [UNK] included.
        #expect(words.vocabulary == ["", "[UNK]", "be", "to"])
        #expect(words.ids(for: "Be, not TO!") == [2, 1, 3])
        #expect(words.text(for: [3, 2, 1]) == "to be [UNK]")
    }

    @Test func jsonRoundTripsAndNamesItsProblems() throws {
        var chars = TextVectorizer(split: .characters, lowercase: true, maximumTokens: 30)
        chars.adapt(to: "The quick brown fox\njumps over the lazy dog.")
        let again = try TextVectorizer(json: Node(value: chars.json, path: "$"))
        #expect(again == chars && again.ids(for: "lazy fox") == chars.ids(for: "lazy fox"))
        let twice = try JSONParser.parse(Array(#"{"split": "characters", "vocabulary": ["a", "b", "a"]}"#.utf8))
        #expect { _ = try TextVectorizer(json: Node(value: twice, path: "$")) } throws: { error in
            (error as? ConfigError)?.description == "$.vocabulary[2]: the token 'a' is listed twice, or is reserved"
        }
        let split = try JSONParser.parse(Array(#"{"split": "sentences", "vocabulary": []}"#.utf8))
        #expect { _ = try TextVectorizer(json: Node(value: split, path: "$")) } throws: { error in
            (error as? ConfigError)?.description == "$.split: unknown split 'sentences' (expected one of: characters, words)"
        }
    }

    @Test func languageModelWindowsPredictTheNextId() {
        let windows = LanguageModelWindows(ids: (0..<11).map(Int32.init), length: 5)
        #expect(windows.count == 2 && windows.exampleShape == [5])
        let (x, y) = windows.batch([1, 0])
        #expect(x.dtype == .int32 && x.shape == [2, 5] && y.shape == [2, 5])
        #expect(x.integers == [5, 6, 7, 8, 9, 0, 1, 2, 3, 4])
        #expect(y.integers == [6, 7, 8, 9, 10, 1, 2, 3, 4, 5])
        #expect(LanguageModelWindows(ids: [], length: 3).count == 0 && LanguageModelWindows(ids: [1, 2, 3], length: 3).count == 0)
    }
}
